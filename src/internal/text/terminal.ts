// Chain text on a terminal: one bounded line, nothing in it able to move the cursor, recolour or reorder the text.
import { visibleText } from "./visible.ts";

/**
 * One line of chain text (or of a message that may quote it) for a terminal, bounded to `max` characters. Controls,
 * escape sequences (their ESC or CSI), line breaks and the bidi controls that reorder what is displayed ("Trojan
 * Source") are shown as visible symbols, as the dashboard shows them (src/text/visible.ts).
 */
export function safe(text: string, max: number): string {
  // A stand-in is never shorter than its character, so the first max + 1 code points (at most 2 units each) decide.
  const chars = [...visibleText(text.length > 2 * max + 2 ? text.slice(0, 2 * max + 2) : text)];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
}
