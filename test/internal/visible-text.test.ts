// The display helper the dashboard, the text report and a front end share: every control, bidi control and
// invisible format character becomes a visible stand-in; letters of every script are left as they are.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { visibleText } from "../../src/internal/text/visible.ts";
import { BIDI_CONTROLS, RTL_NAMES, SPOOFED_NAMES } from "../support/bidi.ts";

// Every character the helper must replace: what reorders, hides or breaks text on a page or a terminal.
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

describe("visibleText", () => {
  it("shows C0 controls and DEL as Control Pictures", () => {
    expect(visibleText("\x00a\x07b\x1b[31mc\rd\x7f")).toBe("␀a␇b␛[31mc␍d␡");
    expect(visibleText("tab\there\nnext")).toBe("tab␉here␊next");
  });

  it("keeps tabs and line feeds with lineBreaks, and still shows the other controls", () => {
    expect(visibleText("tab\there\r\nnext\u202e", { lineBreaks: true })).toBe("tab\there␍\nnext⟨RLO⟩");
  });

  it("shows each C1 control by its code point", () => {
    for (let code = 0x80; code <= 0x9f; code++) {
      const hex = code.toString(16).toUpperCase();
      expect(visibleText(`a${String.fromCharCode(code)}b`)).toBe(`a⟨U+00${hex}⟩b`);
    }
  });

  it.each(BIDI_CONTROLS)("shows the bidi control %j by name, never applying it", (control, shown) => {
    expect(visibleText(`x${control}y`)).toBe(`x${shown}y`);
  });

  it("shows the invisible format characters that could make two names look alike", () => {
    expect(visibleText("PE\u200bPE\u2060\ufeff\u00ad\u2028\u2029\u2064\ufff9")).toBe("PE⟨ZWSP⟩PE⟨WJ⟩⟨BOM⟩⟨SHY⟩⟨LSEP⟩⟨PSEP⟩⟨U+2064⟩⟨U+FFF9⟩");
  });

  it("shows spoofed names with every control visible, in logical order", () => {
    for (const { name, shown } of SPOOFED_NAMES) expect(visibleText(name)).toBe(shown);
  });

  it("leaves right-to-left scripts, emoji sequences, combining marks and ZWJ/ZWNJ as they are", () => {
    for (const text of [...RTL_NAMES, "مرحبا بالعالم", "שלום עולם", "عملة ABC ١٢٣", "👩‍👩‍👧‍👦 🏳️‍🌈 🏴󠁧󠁢󠁥󠁮󠁧󠁿", "e\u0301", "می\u200cخواهم", "𝕏 é ß"]) {
      expect(visibleText(text)).toBe(text);
    }
  });

  it("leaves nothing hidden in any text, and changes only what it must", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const out = visibleText(text);
        expect(HIDDEN.test(out)).toBe(false);
        if (!HIDDEN.test(text)) expect(out).toBe(text);
      }),
      { numRuns: 5000 },
    );
  });
});
