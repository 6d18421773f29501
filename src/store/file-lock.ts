// An exclusive lock file holding the owner's pid; a lock whose process is gone is taken over.
//
// Taking over is the delicate part: two processes that both find the same stale lock must not both remove
// it, or the slower one removes the lock the faster one has just created, and both open the database. So a
// stale lock is removed only under a second, short-lived lock (`<file>.takeover`), after checking again that
// the file still names the dead process. A lock file is created whole (written aside, then hard-linked into
// place), so that it is never seen empty.
import fs from "node:fs";

export interface FileLock {
  release(): void;
}

export function acquireFileLock(file: string): FileLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(file)) {
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          // Never remove a lock that is not ours any more.
          if (readOwner(file) === process.pid) fs.rmSync(file, { force: true });
        },
      };
    }
    const owner = readOwner(file);
    if (owner !== undefined && isAlive(owner)) throw new Error(`held by pid ${owner}`);
    removeStale(file, owner);
  }
  throw new Error(`could not take ${file}`);
}

/** Creates `file` holding our pid, atomically and complete; false when it already exists. */
function createExclusive(file: string): boolean {
  const aside = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(aside, String(process.pid));
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw error;
    // A file system without hard links: create it in place (it may be seen empty for an instant).
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch (inPlace) {
      if ((inPlace as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw inPlace;
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** The pid in a lock file; undefined when it is gone or holds no pid. */
function readOwner(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Removes `file` if it still names `staleOwner` (whose process is gone), one process at a time. */
function removeStale(file: string, staleOwner: number | undefined): void {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard)) {
    const holder = readOwner(guard);
    if (holder !== undefined && isAlive(holder)) throw new Error(`being taken over by pid ${holder}`);
    // The guard's owner died inside the few statements below: clear it for the next attempt.
    fs.rmSync(guard, { force: true });
    return;
  }
  try {
    if (readOwner(file) === staleOwner) fs.rmSync(file, { force: true }); // stale: its owner died (e.g. SIGKILL)
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
