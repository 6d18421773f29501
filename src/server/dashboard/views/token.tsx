/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// One token, every stored field exact: amounts in units of 7 decimals from their stroops, with the raw value on
// hover; creator-supplied strings in full, as text; how the sync found it; a "sync now" button.
import type { FC } from "hono/jsx";
import type { TokenRow } from "../../../store/token-queries.ts";
import { formatBasisPoints, formatInteger, formatStroops, formatTime, graduationBasisPoints } from "../format.ts";
import { ActionResultView, type ActionResult } from "./actions.tsx";
import { CsrfField, Page, StatusBadge, Text, tokenHref } from "./layout.tsx";
import { MarketPanel, type MarketModel } from "./market.tsx";

const DISCOVERY: Record<TokenRow["discoveredVia"], string> = {
  EVENTS: "events: the factory's events named it",
  STORAGE: "storage: found in its creator's token list (CreatorTokens)",
  MANUAL: "manual: named with --token or through the API/dashboard",
};

/** An amount of 7 decimals with its raw stroops on hover (and in the value attribute, for tools). */
const Amount: FC<{ stroops: string; unit: string }> = ({ stroops, unit }) => (
  <data value={stroops} title={`${stroops} stroops`}>
    {formatStroops(stroops)} {unit}
  </data>
);

export const TokenPage: FC<{ token: TokenRow; csrfToken: string; result?: ActionResult; market?: MarketModel }> = ({ token: t, csrfToken, result, market }) => {
  const bp = graduationBasisPoints(t.xlmRaised);
  return (
    <Page title={`Token ${t.onchainId}`} section="tokens" csrfToken={csrfToken}>
      {result && <ActionResultView result={result} />}
      <form method="post" action={`${tokenHref(t.address)}/sync`} class="inline">
        <CsrfField token={csrfToken} />
        <button type="submit" id="sync-now">
          Sync now
        </button>
        <span class="muted">reads this token from the chain and stores it</span>
      </form>
      <dl class="facts" id="token-fields">
        <dt>Name</dt>
        <dd id="f-name">
          <Text value={t.name} />
        </dd>
        <dt>Symbol</dt>
        <dd id="f-symbol">
          <Text value={t.symbol} />
        </dd>
        <dt>Address</dt>
        <dd>
          <code>{t.address}</code>
        </dd>
        <dt>On-chain id</dt>
        <dd>{t.onchainId}</dd>
        <dt>Contract</dt>
        <dd>
          <code>{t.contractId}</code>
        </dd>
        <dt>Creator</dt>
        <dd>
          <a href={`/tokens?q=${encodeURIComponent(t.creator)}`}>
            <code>{t.creator}</code>
          </a>
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={t.status} />
        </dd>
        <dt>Graduation</dt>
        <dd>
          <progress max={10000} value={bp} aria-label={`graduation progress ${formatBasisPoints(bp)}`}></progress> {formatBasisPoints(bp)} of
          10,000 XLM
        </dd>
        <dt>XLM raised</dt>
        <dd id="f-xlm-raised">
          <Amount stroops={t.xlmRaised} unit="XLM" />
        </dd>
        <dt>Market cap</dt>
        <dd id="f-market-cap">
          <Amount stroops={t.marketCap} unit="XLM" />
        </dd>
        <dt>XLM reserve</dt>
        <dd id="f-xlm-reserve">
          <Amount stroops={t.xlmReserve} unit="XLM" />
        </dd>
        <dt>Total supply</dt>
        <dd id="f-total-supply">
          <Amount stroops={t.totalSupply} unit="tokens" />
        </dd>
        <dt>Tokens sold</dt>
        <dd id="f-tokens-sold">
          <Amount stroops={t.tokensSold} unit="tokens" />
        </dd>
        <dt>Tokens remaining</dt>
        <dd id="f-tokens-remaining">
          <Amount stroops={t.tokensRemaining} unit="tokens" />
        </dd>
        <dt>Curve k</dt>
        <dd id="f-curve-k">
          <data value={t.curveK}>{t.curveK}</data> <span class="muted">(raw i128)</span>
        </dd>
        <dt>Holders</dt>
        <dd id="f-holders">{formatInteger(t.holdersCount)}</dd>
        <dt>Created</dt>
        <dd id="f-created">
          <data value={t.createdAt} title={`unix time ${t.createdAt}`}>
            {formatTime(t.createdAt)}
          </data>
        </dd>
        <dt>Discovered via</dt>
        <dd id="f-discovered">{DISCOVERY[t.discoveredVia]}</dd>
        <dt>First seen</dt>
        <dd>{formatTime(new Date(t.firstSeenAt))}</dd>
        <dt>Last synced</dt>
        <dd id="f-last-synced">
          {formatTime(new Date(t.lastSyncedAt))}, ledger {formatInteger(t.lastSyncedLedger)}
        </dd>
        <dt>Image URL</dt>
        <dd id="f-image-url">
          <Text value={t.imageUrl} class="long-text" /> <span class="muted">(not loaded: shown as text)</span>
        </dd>
        <dt>Description</dt>
        <dd id="f-description">
          <Text value={t.description} class="long-text" lineBreaks />
        </dd>
      </dl>
      {market && <MarketPanel market={market} />}
    </Page>
  );
};
