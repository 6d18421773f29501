// Hostile display characters the tests plant in names, with the visible form src/internal/text/visible.ts gives each.

/** Each bidi embedding, override, isolate and mark, with the stand-in it must show. */
export const BIDI_CONTROLS: [string, string][] = [
  ["\u202a", "⟨LRE⟩"],
  ["\u202b", "⟨RLE⟩"],
  ["\u202c", "⟨PDF⟩"],
  ["\u202d", "⟨LRO⟩"],
  ["\u202e", "⟨RLO⟩"],
  ["\u2066", "⟨LRI⟩"],
  ["\u2067", "⟨RLI⟩"],
  ["\u2068", "⟨FSI⟩"],
  ["\u2069", "⟨PDI⟩"],
  ["\u200e", "⟨LRM⟩"],
  ["\u200f", "⟨RLM⟩"],
  ["\u061c", "⟨ALM⟩"],
];

/** Names a creator could use to pass for another token, with how they must read once shown. */
export const SPOOFED_NAMES: { name: string; shown: string }[] = [
  // The example: without the fix it displays as " nekoT exe.png ok".
  { name: "\u202egnp.exe Token \u202c ok", shown: "⟨RLO⟩gnp.exe Token ⟨PDF⟩ ok" },
  // A Latin ticker with a right-to-left override: would display as "DSU".
  { name: "USD \u202eCOIN", shown: "USD ⟨RLO⟩COIN" },
  // Each control, between Latin letters.
  ...BIDI_CONTROLS.map(([c, shown], i) => ({ name: `ab${c}cd ${i}`, shown: `ab${shown}cd ${i}` })),
  // C1 controls (a CSI and a NEL) and C0 ones.
  { name: "C1 \u009b31m\u0085x", shown: "C1 ⟨U+009B⟩31m⟨U+0085⟩x" },
  { name: "C0 \x1b[2J\x07", shown: "C0 ␛[2J␇" },
];

/** Legitimate right-to-left names: shown unchanged. */
export const RTL_NAMES = ["عملة الصحراء", "מטבע ירושלים"];
