/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// A token's market on its page: hourly price candles of its last three days of trading as inline SVG (nothing
// loaded by the browser; each candle names its exact prices in a <title>), and its latest trades as a table.
import type { FC } from "hono/jsx";
import type { Candle, MarketQueries, TradeRow } from "../../../store/trade-queries.ts";
import { formatStroops, formatTime } from "../format.ts";

export interface MarketModel {
  candles: Candle[];
  trades: TradeRow[];
}

const W = 720;
const H = 220;
const PAD = { left: 8, right: 8, top: 10, bottom: 10 };
const UP = "#2e7d32";
const DOWN = "#c62828";

const CandleChart: FC<{ candles: Candle[] }> = ({ candles }) => {
  // Plotted as floats: the drawing needs no exactness; the titles carry the exact prices.
  const lows = candles.map((c) => Number(c.low));
  const highs = candles.map((c) => Number(c.high));
  const min = Math.min(...lows);
  const max = Math.max(...highs);
  const span = max > min ? max - min : max || 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const first = candles[0]!.time;
  const last = candles.at(-1)!.time;
  const step = candles.length > 1 ? (last - first) / (candles.length - 1) : 1;
  const slotW = plotW / candles.length;
  const y = (price: number) => PAD.top + plotH - ((price - min) / span) * plotH;
  return (
    <svg class="chart" id="price-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`price candles: ${candles.length} hours with trades`}>
      {candles.map((c) => {
        const x = PAD.left + ((c.time - first) / step) * slotW + slotW / 2;
        const [o, cl, hi, lo] = [Number(c.open), Number(c.close), Number(c.high), Number(c.low)];
        const colour = cl >= o ? UP : DOWN;
        const top = Math.min(y(o), y(cl));
        const body = Math.max(1, Math.abs(y(o) - y(cl)));
        return (
          <g>
            <title>{`${formatTime(BigInt(c.time), "minutes")}: open ${c.open}, high ${c.high}, low ${c.low}, close ${c.close} XLM; ${c.trades} trades, ${formatStroops(c.volumeXlm)} XLM`}</title>
            <line x1={x} x2={x} y1={y(hi)} y2={y(lo)} stroke={colour} />
            <rect x={x - Math.max(1, slotW * 0.35)} y={top} width={Math.max(2, slotW * 0.7)} height={body} fill={colour} />
          </g>
        );
      })}
    </svg>
  );
};

export const MarketPanel: FC<{ market: MarketModel }> = ({ market }) => (
  <section class="panel" id="market">
    <h2>Market</h2>
    {market.candles.length === 0 ? (
      <p class="muted">No trade is stored for this token.</p>
    ) : (
      <figure class="chart-figure">
        <CandleChart candles={market.candles} />
        <figcaption class="muted">Price in XLM per token, hourly, over the last three days with trades</figcaption>
      </figure>
    )}
    {market.trades.length > 0 && (
      <table id="latest-trades">
        <caption>Latest trades</caption>
        <thead>
          <tr>
            <th>Time</th>
            <th>Side</th>
            <th>XLM</th>
            <th>Tokens</th>
            <th>Price (XLM)</th>
            <th>Trader</th>
          </tr>
        </thead>
        <tbody>
          {market.trades.map((t) => (
            <tr>
              <td>{formatTime(new Date(t.closedAt))}</td>
              <td>{t.side === "BUY" ? "buy" : "sell"}</td>
              <td>
                <data value={t.xlmAmount}>{formatStroops(t.xlmAmount)}</data>
              </td>
              <td>
                <data value={t.tokenAmount}>{formatStroops(t.tokenAmount)}</data>
              </td>
              <td>
                <data value={t.price ?? ""}>{t.price === null ? "–" : t.price.slice(0, 14)}</data>
              </td>
              <td>
                <code>{t.trader}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

/** The model: the latest 20 trades and the hourly candles of the three days before the last one. */
export async function marketModel(market: Pick<MarketQueries, "trades" | "candles">, token: string): Promise<MarketModel> {
  const { trades } = await market.trades(token, { limit: 20 });
  if (trades.length === 0) return { candles: [], trades };
  const to = Math.floor(Date.parse(trades[0]!.closedAt) / 1000) + 1;
  return { candles: await market.candles(token, { interval: "1h", from: to - 3 * 86_400, to }), trades };
}
