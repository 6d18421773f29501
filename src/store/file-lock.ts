// An exclusive lock file naming its owner; a lock whose owner is gone is taken over.
//
// The owner is recorded as "<pid> <start> <boot>": the pid, the process's start time (field 22 of
// /proc/<pid>/stat, in clock ticks since boot) and the kernel's boot id. A pid alone is not enough: a container
// restarted after SIGKILL gets the same pid (often 1) and would find "its own" lock alive forever; after a reboot
// or a wrap-around another process may own the pid. So the owner is alive only if a process with that pid exists
// now, started at the recorded instant of the same boot. A lock naming this very pid is alive only while this
// process holds it (opened twice in one process); otherwise a previous incarnation with our pid left it. Where
// /proc is missing (macOS) or an old lock holds a bare pid, the pid's existence is all there is to go by.
//
// Taking over is the delicate part: two processes that both find the same stale lock must not both remove
// it, or the slower one removes the lock the faster one has just created, and both open the database. So a
// stale lock is removed only under a second, short-lived lock (`<file>.takeover`), after checking again that
// the file still names the dead owner. A lock file is created whole (written aside, then hard-linked into
// place), so that it is never seen empty.
import fs from "node:fs";
import path from "node:path";

export interface FileLock {
  release(): void;
}

interface Owner {
  pid: number;
  /** The file's text: a takeover or release acts only if it still reads the same. */
  text: string;
  start?: string;
  boot?: string;
}

/** Lock files this process holds (resolved paths). Per module instance: worker threads do not share it. */
const held = new Set<string>();

export function acquireFileLock(file: string): FileLock {
  const resolved = path.resolve(file);
  const mine = ownIdentity();
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(file, mine)) {
      held.add(resolved);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          held.delete(resolved);
          // Never remove a lock that is not ours any more.
          if (readOwner(file)?.text === mine) fs.rmSync(file, { force: true });
        },
      };
    }
    const owner = readOwner(file);
    if (owner !== undefined && isAlive(owner, held.has(resolved))) throw new Error(`held by pid ${owner.pid}`);
    removeStale(file, owner);
  }
  throw new Error(`could not take ${file}`);
}

/** Creates `file` naming this process, atomically and complete; false when it already exists. */
function createExclusive(file: string, identity: string): boolean {
  const aside = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(aside, identity);
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw error;
    // A file system without hard links: create it in place (it may be seen empty for an instant).
    try {
      fs.writeFileSync(file, identity, { flag: "wx" });
      return true;
    } catch (inPlace) {
      if ((inPlace as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw inPlace;
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** The owner a lock file names; undefined when it is gone or names no pid. */
function readOwner(file: string): Owner | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const [pidText, start, boot] = text.split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, text, ...(start ? { start } : {}), ...(boot ? { boot } : {}) };
}

/** Removes `file` if it still names `stale` (whose process is gone), one process at a time. */
function removeStale(file: string, stale: Owner | undefined): void {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard, ownIdentity())) {
    const holder = readOwner(guard);
    // A guard naming this pid is a previous incarnation's: this process takes and drops it synchronously.
    if (holder !== undefined && isAlive(holder, false)) throw new Error(`being taken over by pid ${holder.pid}`);
    // The guard's owner died inside the few statements below: clear it for the next attempt.
    fs.rmSync(guard, { force: true });
    return;
  }
  try {
    if (readOwner(file)?.text === stale?.text) fs.rmSync(file, { force: true }); // stale: its owner died (e.g. SIGKILL)
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/** Whether the process `owner` names still runs; `heldHere`: this process holds the lock in question. */
function isAlive(owner: Owner, heldHere: boolean): boolean {
  if (owner.pid === process.pid) return heldHere;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // Some process has that pid: the same one only if it started at the recorded instant of the same boot.
  if (owner.start === undefined || owner.boot === undefined) return true;
  const [start, boot] = [startTime(owner.pid), bootId()];
  if (start === undefined || boot === undefined) return true;
  return start === owner.start && boot === owner.boot;
}

function ownIdentity(): string {
  const [start, boot] = [startTime(process.pid), bootId()];
  return start === undefined || boot === undefined ? String(process.pid) : `${process.pid} ${start} ${boot}`;
}

/** The process's start time in clock ticks since boot (Linux), or undefined. */
function startTime(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ")".
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = fields?.[19]; // field 22 of the whole line; the rest begins with field 3
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

let boot: string | undefined | null = null;
function bootId(): string | undefined {
  if (boot === null) boot = readProc("/proc/sys/kernel/random/boot_id")?.trim() || undefined;
  return boot;
}

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
