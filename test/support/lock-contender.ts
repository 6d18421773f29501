// A child process for test/store/resilience-lock.test.ts: once loaded, appends a line to argv[2].ready and waits for
// argv[2].go, which holds the wall-clock instant at which every contender tries to take the file lock argv[2]
// once; if it gets it, holds it 400 ms. Appends "got <from> <to>" or "busy" to argv[2].log.
import fs from "node:fs";
import { acquireFileLock } from "../../src/store/file-lock.ts";

const file = process.argv[2]!;
const cell = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(cell, 0, 0, Math.max(0, ms));
fs.appendFileSync(`${file}.ready`, `${process.pid}\n`);
while (!fs.existsSync(`${file}.go`)) sleep(5);
const goAt = Number(fs.readFileSync(`${file}.go`, "utf8"));
sleep(goAt - Date.now() - 20);
while (Date.now() < goAt) {
  // spin the last few milliseconds so that every contender starts together
}
const now = () => performance.timeOrigin + performance.now();
let line: string;
try {
  const lock = acquireFileLock(file);
  const from = now();
  sleep(400);
  const to = now();
  lock.release();
  line = `got ${from} ${to}`;
} catch (error) {
  line = `busy ${(error as Error).message}`;
}
fs.appendFileSync(`${file}.log`, `${line}\n`);
