// The dashboard's only stylesheet and script, served by the dashboard itself (the CSP allows nothing else): no
// CDN, no web fonts, no build step. Kept as strings so that they ship inside the package whatever builds it.

export const ASSET_PATHS = { css: "/_dashboard/app.css", js: "/_dashboard/app.js" } as const;

export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --bg: #fff; --panel: #f5f7f9; --line: #d6dbe0;
  --accent: #1f5fbf; --ok: #1a7f37; --warn: #9a6700; --bad: #c62828; --focus: #ffbf47;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ec; --muted: #9aa4ae; --bg: #111418; --panel: #1a1f25;
  --line: #2f3740; --accent: #79aaff; --ok: #4cc26a; --warn: #e0b040; --bad: #ff6b6b; } }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; font-size: 15px; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 6px 10px; z-index: 10; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 10px 16px;
  border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 700; }
.top nav { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; flex: 1; }
.top ul { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; margin: 0; padding: 0; }
.top a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.logout { margin-left: auto; }
main { padding: 12px 16px 40px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 8px 0 16px; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 24px 0 8px; }
.grid { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr)); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px; min-width: 0; }
.panel h2 { margin-top: 0; }
dl.facts { display: grid; grid-template-columns: minmax(8em, max-content) minmax(0, 1fr); gap: 4px 12px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
.chain-text { unicode-bidi: isolate; overflow-wrap: anywhere; word-break: break-word; white-space: pre-wrap; }
.long-text { display: block; max-height: 24em; overflow: auto; border: 1px solid var(--line); padding: 8px;
  background: var(--bg); }
.cut, .muted { color: var(--muted); font-size: 0.9em; }
code, .addr { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; overflow-wrap: anywhere; }
.addr { white-space: nowrap; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td { max-width: 22em; overflow-wrap: anywhere; }
th { background: var(--panel); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.amount { white-space: normal; word-break: break-all; min-width: 8em; }
td.when { white-space: nowrap; }
figure { margin: 0; }
section + .grid, .grid + section, .grid + .grid { margin-top: 16px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; border: 1px solid currentColor; font-size: 0.85em; white-space: nowrap; }
.s-bonding { color: var(--accent); } .s-graduated, .s-succeeded, .s-live { color: var(--ok); }
.s-graduation_failed, .s-failed, .s-stopped { color: var(--bad); } .s-partial, .s-behind, .s-running { color: var(--warn); }
progress { width: 8em; height: 0.9em; vertical-align: middle; }
.notice { border: 1px solid var(--line); border-left: 5px solid var(--accent); padding: 8px 12px; margin: 12px 0; background: var(--panel); overflow-wrap: anywhere; }
.notice.ok { border-left-color: var(--ok); } .notice.error { border-left-color: var(--bad); }
form.inline { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 0 0 12px; }
label { display: flex; flex-direction: column; gap: 2px; font-weight: 600; }
input, select, button { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 4px;
  background: var(--bg); color: var(--fg); max-width: 100%; }
input[type="search"], input[type="text"], input[type="password"] { width: min(36em, 100%); }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); font-weight: 600; }
.logout button { background: transparent; color: var(--accent); }
.pager { display: flex; gap: 16px; align-items: center; margin: 10px 0; flex-wrap: wrap; }
.live-state { color: var(--muted); font-size: 0.9em; }
.stale .live-state { color: var(--bad); }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .bar { fill: var(--accent); }
svg.chart .axis { stroke: var(--line); }
svg.chart text { fill: var(--muted); font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; list-style: none; padding: 0; margin: 6px 0 0; font-size: 0.9em; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 4px; vertical-align: middle; }
.c0 { fill: #1f5fbf; background: #1f5fbf; } .c1 { fill: #d9730d; background: #d9730d; } .c2 { fill: #2e9e5b; background: #2e9e5b; }
.c3 { fill: #8e44ad; background: #8e44ad; } .c4 { fill: #c0392b; background: #c0392b; } .c5 { fill: #16a0a0; background: #16a0a0; }
.c6 { fill: #7f8c8d; background: #7f8c8d; } .c7 { fill: #b7950b; background: #b7950b; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
ul.ids { display: flex; flex-wrap: wrap; gap: 4px 10px; list-style: none; padding: 0; margin: 4px 0; }
@media (max-width: 600px) { body { font-size: 14px; } main { padding: 8px 10px 32px; } .hide-narrow { display: none; } }
`;

// Refreshes every element with data-live-src in place (no reload): fetch the fragment, swap it in. The fragments
// are server-rendered and escaped like the pages; scripts inside them would not run (innerHTML, and the CSP).
export const SCRIPT = `"use strict";
(function () {
  function start(el) {
    var src = el.getAttribute("data-live-src");
    var every = Number(el.getAttribute("data-live-ms")) || 2000;
    function next() { setTimeout(tick, every); }
    function tick() {
      if (document.hidden) return next();
      fetch(src, { credentials: "same-origin", cache: "no-store", headers: { "accept": "text/html" } })
        .then(function (res) {
          if (res.status === 401) {
            location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
            return null;
          }
          if (!res.ok) throw new Error(String(res.status));
          return res.text();
        })
        .then(function (html) {
          if (html === null) return;
          // A keyboard user inside the region keeps their place: swap on a later tick.
          if (el.contains(document.activeElement)) return next();
          var open = Array.prototype.map.call(el.querySelectorAll("details[open][id]"), function (d) { return d.id; });
          el.innerHTML = html;
          open.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
          el.classList.remove("stale");
          next();
        })
        .catch(function () {
          el.classList.add("stale");
          var state = el.querySelector(".live-state");
          if (state) state.textContent = "Connection lost; retrying…";
          next();
        });
    }
    next();
  }
  function init() { document.querySelectorAll("[data-live-src]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
`;
