// The text/event-stream wire format (WHATWG HTML, "Server-sent events"). Every data line is one line of JSON, with
// <, >, & and the JS line separators escaped as in the JSON API: the same value, but no byte of it reads as HTML.
import { renderBody, type StoredEvent } from "../../webhooks/payload.ts";
import { escapeJson } from "../routes/respond.ts";

const encoder = new TextEncoder();

/** One outbox event as a frame: its id, its type as the event name, the webhook body as data. */
export function eventFrame(event: StoredEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${escapeJson(renderBody(event))}\n\n`;
}

/** A frame of our own (no outbox event), e.g. `stream.reset`; `id` moves the client's Last-Event-ID when given. */
export function controlFrame(type: string, data: unknown, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${type}\ndata: ${escapeJson(JSON.stringify(data))}\n\n`;
}

/** A comment line: clients ignore it; it keeps proxies from closing an idle connection. */
export function commentFrame(text: string): string {
  return `: ${text}\n\n`;
}

/** How long a client waits before it reconnects after the stream ends. */
export function retryFrame(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** The last frame encoded: the hub hands one event's frame to every open stream in turn, encoded once for all. */
let last: { frame: string; bytes: Uint8Array } | undefined;

export function encode(frame: string): Uint8Array {
  if (last?.frame !== frame) last = { frame, bytes: encoder.encode(frame) };
  return last.bytes;
}
