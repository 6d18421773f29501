// What every command's definition receives: the streams and environment, and where its exit status goes.
import type { Io } from "../io.ts";

export interface CommandContext {
  io: Io;
  /** Records the status the running command resolves to; main() returns it once parsing is done. */
  exitWith: (status: Promise<number>) => Promise<void>;
}
