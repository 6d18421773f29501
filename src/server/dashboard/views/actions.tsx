/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The actions page: sync one token, scan one creator, a full resync and (with webhooks) retrying failed
// deliveries. Every form posts with the session's CSRF token; the answer is this page with the action's result.
import type { FC } from "hono/jsx";
import { CsrfField, Notice, Page, Text } from "./layout.tsx";

export interface ActionResult {
  ok: boolean;
  title: string;
  /** Label and value pairs; values may be chain text and are rendered as text. */
  facts?: [string, string][];
  link?: { href: string; label: string };
}

export const ActionResultView: FC<{ result: ActionResult }> = ({ result }) => (
  <Notice kind={result.ok ? "ok" : "error"}>
    <p id="action-result">
      <strong>
        <Text value={result.title} />
      </strong>
    </p>
    {result.facts && result.facts.length > 0 && (
      <dl class="facts">
        {result.facts.map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd>
              <Text value={value} max={2000} />
            </dd>
          </>
        ))}
      </dl>
    )}
    {result.link && (
      <p>
        <a href={result.link.href}>{result.link.label}</a>
      </p>
    )}
  </Notice>
);

export const ACTION_PATHS = {
  syncToken: "/actions/sync-token",
  scanCreator: "/actions/scan-creator",
  fullResync: "/actions/full-resync",
  retryWebhooks: "/actions/retry-webhooks",
} as const;

export const ActionsPage: FC<{ csrfToken: string; result?: ActionResult; webhooks: boolean; values?: { token?: string; creator?: string } }> = ({
  csrfToken,
  result,
  webhooks,
  values = {},
}) => (
  <Page title="Actions" section="actions" csrfToken={csrfToken}>
    {result && <ActionResultView result={result} />}
    <div class="grid">
      <section class="panel" aria-labelledby="a-token">
        <h2 id="a-token">Sync a token</h2>
        <p>Reads one token from the chain now and stores it (one RPC round trip).</p>
        <form method="post" action={ACTION_PATHS.syncToken} class="inline">
          <CsrfField token={csrfToken} />
          <label>
            Token address
            <input type="text" name="address" required placeholder="C..." value={values.token ?? ""} autocomplete="off" spellcheck={false} />
          </label>
          <button type="submit">Sync token</button>
        </form>
      </section>
      <section class="panel" aria-labelledby="a-creator">
        <h2 id="a-creator">Scan a creator</h2>
        <p>Reads the creator's token list from the contract and stores every token on it, however old.</p>
        <form method="post" action={ACTION_PATHS.scanCreator} class="inline">
          <CsrfField token={csrfToken} />
          <label>
            Creator address
            <input type="text" name="address" required placeholder="G... or C..." value={values.creator ?? ""} autocomplete="off" spellcheck={false} />
          </label>
          <button type="submit">Scan creator</button>
        </form>
      </section>
      <section class="panel" aria-labelledby="a-full">
        <h2 id="a-full">Full resync</h2>
        <p>Rescans the event window, every known creator and every token, like <code>sync-tokens --full</code>.</p>
        <form method="post" action={ACTION_PATHS.fullResync} class="inline">
          <CsrfField token={csrfToken} />
          <button type="submit">Start full resync</button>
        </form>
      </section>
      {webhooks && (
        <section class="panel" aria-labelledby="a-webhooks">
          <h2 id="a-webhooks">Webhooks</h2>
          <p>Schedules every failed webhook delivery for another attempt, and enables endpoints disabled by a 410.</p>
          <form method="post" action={ACTION_PATHS.retryWebhooks} class="inline">
            <CsrfField token={csrfToken} />
            <button type="submit">Retry failed deliveries</button>
          </form>
        </section>
      )}
    </div>
  </Page>
);

export const LoginPage: FC<{ next: string; error?: string }> = ({ next, error }) => (
  <Page title="Log in" section="login">
    {error && <Notice kind="error">{error}</Notice>}
    <form method="post" action="/login" class="inline">
      <input type="hidden" name="next" value={next} />
      <label>
        Admin token (<code>SYNC_ADMIN_TOKEN</code>)
        <input type="password" name="token" required autocomplete="current-password" autofocus />
      </label>
      <button type="submit">Log in</button>
    </form>
  </Page>
);

export const DisabledPage: FC = () => (
  <Page title="The dashboard is off" section="off">
    <p>
      The admin dashboard is turned off because <code>SYNC_ADMIN_TOKEN</code> is not set.
    </p>
    <p>
      To turn it on, set <code>SYNC_ADMIN_TOKEN</code> to a long random secret in the environment (or the{" "}
      <code>.env</code> file) of <code>sync-tokens serve</code> and restart it, for example:
    </p>
    <pre>
      <code>SYNC_ADMIN_TOKEN=$(openssl rand -hex 32) sync-tokens serve</code>
    </pre>
    <p>Then open this page again and log in with that token.</p>
  </Page>
);
