// How creator-supplied text is shown to a person (dashboard, terminal report, a front end using the package): every
// character that is invisible or that changes how the text around it is displayed is replaced by a visible stand-in,
// so a name can neither hide part of itself nor reorder itself to read as another token's name. The stored value
// stays exact; this is for display only. Letters of every script, right-to-left ones included, are left alone,
// and so are ZWJ/ZWNJ, variation selectors and tag characters, which emoji and some scripts need.

/** Stand-ins for the format characters a display applies silently; each shows its Unicode abbreviation. */
const NAMED: Record<string, string> = {
  "\u00ad": "SHY", // soft hyphen: invisible unless at a line end
  "\u061c": "ALM",
  "\u200b": "ZWSP",
  "\u200e": "LRM",
  "\u200f": "RLM",
  "\u2028": "LSEP",
  "\u2029": "PSEP",
  "\u202a": "LRE",
  "\u202b": "RLE",
  "\u202c": "PDF",
  "\u202d": "LRO",
  "\u202e": "RLO",
  "\u2060": "WJ",
  "\u2066": "LRI",
  "\u2067": "RLI",
  "\u2068": "FSI",
  "\u2069": "PDI",
  "\ufeff": "BOM",
};

/**
 * C0 controls and DEL, C1 controls, the named characters above, and the other invisible format characters
 * (invisible math operators, deprecated format controls, interlinear annotation marks).
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
// eslint-disable-next-line no-control-regex
const INVISIBLE_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

function standIn(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␀ … ␟ (Control Pictures)
  if (code === 0x7f) return "\u2421"; // ␡
  return `⟨${NAMED[c] ?? `U+${code.toString(16).toUpperCase().padStart(4, "0")}`}⟩`;
}

/**
 * `text` with every control and invisible format character made visible: C0 controls as their Control Pictures
 * (␛, ␍, ␀...), DEL as ␡, bidi controls and marks by name (⟨RLO⟩, ⟨PDI⟩, ⟨RLM⟩...), C1 controls and other
 * format characters by code point (⟨U+009B⟩). The result holds no character that reorders or hides text.
 * With `lineBreaks`, tabs and line feeds are kept (for multi-line text shown with its line breaks).
 */
export function visibleText(text: string, options: { lineBreaks?: boolean } = {}): string {
  return text.replace(options.lineBreaks ? INVISIBLE_BUT_LINE_BREAKS : INVISIBLE, standIn);
}
