/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The overview: the follower's health, completeness against the contract's count, the newest launches, charts and
// the last runs. The page holds one live region that the script re-fetches (the same component renders both).
import type { FC } from "hono/jsx";
import type { StoreStatus, TokenRow } from "../../../store/token-queries.ts";
import type { SyncRunRow } from "../../../store/sync-run-rows.ts";
import type { DailyActivity } from "../../../store/activity-queries.ts";
import { formatDuration, formatInteger, formatTime } from "../format.ts";
import type { MinuteCounts } from "../rpc-rate.ts";
import { BarChart, type ChartBucket } from "./charts.tsx";
import { Address, Page, StatusBadge, Text, TokenNameCells } from "./layout.tsx";

export const OVERVIEW_LIVE_PATH = "/_dashboard/live/overview";

export type FollowerHealth = "live" | "behind" | "stopped";

export interface OverviewModel {
  contractId: string;
  network: string;
  /** Already masked (src/redact.ts). */
  rpcUrl: string;
  database: string;
  /** The RPC's latest ledger as last seen, null when it could not be read. */
  latestLedger: number | null;
  lag: { ledgers: number; seconds: number } | null;
  follower: { state: FollowerHealth; detail: string };
  store: StoreStatus;
  newest: TokenRow[];
  activity: DailyActivity;
  rpcRequests: MinuteCounts[] | null;
  generatedAt: Date;
}

export const OverviewPage: FC<{ model: OverviewModel; csrfToken: string; refreshMs: number }> = ({ model, csrfToken, refreshMs }) => (
  <Page title="Overview" section="overview" csrfToken={csrfToken}>
    <div id="overview" data-live-src={OVERVIEW_LIVE_PATH} data-live-ms={String(refreshMs)}>
      <OverviewBody model={model} />
    </div>
  </Page>
);

export const OverviewBody: FC<{ model: OverviewModel }> = ({ model }) => (
  <>
    <p class="live-state" aria-live="off">
      Updated {formatTime(model.generatedAt)}; refreshes by itself.
    </p>
    <div class="grid">
      <StatusPanel model={model} />
      <CompletenessPanel store={model.store} />
    </div>
    <div class="grid">
      <BarChart caption="Launches per day" series={["launches"]} unit="launches" buckets={days(model.activity.launches)} />
      <BarChart caption="Graduations per day" series={["graduations"]} unit="graduations" buckets={days(model.activity.graduations)} />
      {model.rpcRequests && <RpcChart minutes={model.rpcRequests} />}
    </div>
    <NewestTokens tokens={model.newest} />
    <RunsTable runs={model.store.lastRuns} />
  </>
);

const StatusPanel: FC<{ model: OverviewModel }> = ({ model }) => {
  const cursor = model.store.cursor;
  return (
    <section class="panel" aria-labelledby="status-h">
      <h2 id="status-h">
        Status <StatusBadge status={model.follower.state} />
      </h2>
      <p id="follower-detail">
        <Text value={model.follower.detail} max={2000} />
      </p>
      <dl class="facts">
        <dt>Contract</dt>
        <dd>
          <code>{model.contractId}</code>
        </dd>
        <dt>Network</dt>
        <dd>{model.network}</dd>
        <dt>RPC</dt>
        <dd>
          <code>{model.rpcUrl}</code>
        </dd>
        <dt>Database</dt>
        <dd>
          <code>{model.database}</code>
        </dd>
        <dt>Latest ledger</dt>
        <dd id="latest-ledger">{model.latestLedger === null ? "unknown" : formatInteger(model.latestLedger)}</dd>
        <dt>Cursor</dt>
        <dd id="cursor-ledger">
          {cursor ? (
            <>
              {formatInteger(cursor.ledger)} <span class="muted">(moved {formatTime(new Date(cursor.updatedAt))})</span>
            </>
          ) : (
            "none yet: no run has finished"
          )}
        </dd>
        <dt>Lag</dt>
        <dd id="lag">{model.lag ? `${formatInteger(model.lag.ledgers)} ledgers, about ${model.lag.seconds < 60 ? `${Math.round(model.lag.seconds)} s` : formatDuration(model.lag.seconds * 1000)}` : "unknown"}</dd>
      </dl>
    </section>
  );
};

const CompletenessPanel: FC<{ store: StoreStatus }> = ({ store }) => (
  <section class="panel" aria-labelledby="complete-h">
    <h2 id="complete-h">Completeness</h2>
    <p id="stored-count">
      <strong>{formatInteger(store.storedTokens)}</strong> tokens stored
      {store.contractTokens !== null && (
        <>
          {" "}
          of the contract's <strong>{formatInteger(store.contractTokens)}</strong> (<code>get_token_count</code>)
        </>
      )}
      .
    </p>
    {store.missingCount > 0 ? (
      <>
        <p>
          <strong id="missing-count">{formatInteger(store.missingCount)}</strong> missing on-chain ids
          {store.missingIds.length < store.missingCount ? ` (the first ${store.missingIds.length})` : ""}:
        </p>
        <ul class="ids" id="missing-ids" aria-label="Missing on-chain ids">
          {store.missingIds.map((id) => (
            <li>
              <code>{id}</code>
            </li>
          ))}
        </ul>
        <p>
          Their creators are unknown and their last activity is older than the RPC's event window. Give the creators'
          addresses with <code>CREATOR_ADDRESS=G...,G...</code> (or <code>--creator</code>), or scan one now under{" "}
          <a href="/actions">Actions</a>.
        </p>
      </>
    ) : (
      store.contractTokens !== null && <p>Nothing is missing.</p>
    )}
  </section>
);

const NewestTokens: FC<{ tokens: TokenRow[] }> = ({ tokens }) => (
  <section aria-labelledby="newest-h">
    <h2 id="newest-h">Newest launches</h2>
    {tokens.length === 0 ? (
      <p>No tokens stored yet.</p>
    ) : (
      <div class="table-wrap">
        <table id="newest">
          <thead>
            <tr>
              <th scope="col" class="num">
                Id
              </th>
              <th scope="col">Name</th>
              <th scope="col">Symbol</th>
              <th scope="col">Creator</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr>
                <td class="num">{t.onchainId}</td>
                <TokenNameCells token={t} />
                <td>
                  <Address value={t.creator} />
                </td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
                <td class="when">{formatTime(t.createdAt, "minutes")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </section>
);

const RpcChart: FC<{ minutes: MinuteCounts[] }> = ({ minutes }) => {
  const methods = [...new Set(minutes.flatMap((m) => Object.keys(m.counts)))].sort();
  const buckets: ChartBucket[] = minutes.map((m) => ({
    label: new Date(m.minute).toISOString().slice(11, 16),
    values: methods.map((method) => m.counts[method] ?? 0),
  }));
  return <BarChart caption="RPC requests per minute (this process)" series={methods.length > 0 ? methods : ["requests"]} unit="requests" buckets={buckets} />;
};

export const RunsTable: FC<{ runs: SyncRunRow[] }> = ({ runs }) => (
  <section aria-labelledby="runs-h">
    <h2 id="runs-h">Last runs</h2>
    {runs.length === 0 ? (
      <p>No runs recorded yet.</p>
    ) : (
      <div class="table-wrap">
        <table id="runs">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">Outcome</th>
              <th scope="col" class="num">
                Duration
              </th>
              <th scope="col" class="num">
                Ledgers
              </th>
              <th scope="col" class="num" title="found by events / creators' storage / manual">
                Found
              </th>
              <th scope="col" class="num">
                Synced
              </th>
              <th scope="col" class="num">
                Unchanged
              </th>
              <th scope="col" class="num">
                Failed
              </th>
              <th scope="col" class="num">
                Missing
              </th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr>
                <td class="when">{formatTime(new Date(r.startedAt))}</td>
                <td>
                  <Text value={r.trigger} max={40} />
                </td>
                <td>
                  <StatusBadge status={r.outcome} />
                </td>
                <td class="num">{r.finishedAt ? formatDuration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : "running"}</td>
                <td class="num">{r.fromLedger !== null && r.toLedger !== null ? `${r.fromLedger}–${r.toLedger}` : "—"}</td>
                <td class="num">
                  {r.found.events} / {r.found.storage} / {r.found.manual}
                </td>
                <td class="num">{r.synced}</td>
                <td class="num">{r.unchanged}</td>
                <td class="num">{r.failed}</td>
                <td class="num">{r.missing}</td>
                <td>{r.error === null ? "" : <Text value={r.error} max={300} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </section>
);

function days(counts: { day: string; count: number }[]): ChartBucket[] {
  return counts.map((d) => ({ label: d.day, values: [d.count] }));
}
