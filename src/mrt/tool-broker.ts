/**
 * Starts the decompressors of the byte sources (igzip, lbzip2, ...) from a small bash process
 * instead of from this one. Node forks itself for every child, and a fork copies page tables in
 * proportion to the parent's memory: 3.6 ms of CPU and 7.6 ms of wall time per child at 150 MiB
 * of RSS, 10 and 25 ms at 450 MiB (bench/RESULTS-mrt-parallel.md), once per file read; bash
 * forks in a fraction of a millisecond whatever this process holds.
 *
 * The broker is started with SLOTS sets of three sockets (a job's stdin, stdout and stderr).
 * Each job takes the next set: this process writes "slot command args" on the broker's stdin,
 * the broker starts the command in a subshell of its own on that set (closing every other set, so
 * that a job's end of output is seen as soon as the tool exits) and writes "slot status" on its
 * stdout when the tool exits. Jobs run at once, each on its own sockets. When the sets run out
 * the next job starts a new broker; an idle broker holds no reference on the event loop and ends
 * when this process does (its stdin closes). Without bash on PATH the tools are spawned directly.
 *
 * Commands and arguments are this module's callers' constants (tool names and flags): they are
 * checked to be plain words before they reach the shell, never taken from data.
 *
 * @example
 * const job = startTool('igzip', ['-d', '-c']);
 * input.pipe(job.stdin);
 * for await (const chunk of job.stdout) use(chunk);
 * const { code, signal } = await job.exited;
 */

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';

/** How a tool ended: its exit code, or the signal that ended it; `error` when it could not start. */
export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A tool started with `startTool`. */
export interface ToolJob {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves (never rejects) once the tool has exited and its stdout and stderr have ended. */
  readonly exited: Promise<ToolExit>;
  /** True once `exited` has resolved. */
  readonly ended: boolean;
  /** Stops the tool: it is killed, or its sockets are closed so that it ends at its next read or write. */
  kill(): void;
}

/** Sets of sockets per broker: one broker start (a fork of this process) per SLOTS jobs. */
export const BROKER_SLOTS = 16;
/** The fd of a slot's first socket in the broker: 3, 6, 9, ... (stdin, stdout, stderr of the job). */
const FIRST_SLOT_FD = 3;
const STATUS_FD = FIRST_SLOT_FD + 3 * BROKER_SLOTS;

/** For each slot, the redirections that close every other slot's sockets (one `exec` a job). */
const CLOSE_OTHERS = Array.from({ length: BROKER_SLOTS }, (_, slot) => {
  const own = FIRST_SLOT_FD + 3 * slot;
  const others: string[] = [];
  for (let fd = FIRST_SLOT_FD; fd < STATUS_FD; fd++) if (fd < own || fd > own + 2) others.push(`${fd}>&-`);
  return `'${others.join(' ')}'`;
});

// Read "slot command args..." lines; for each, a subshell closes the other slots' sockets, starts
// the command on its own slot's sockets (0, 1 and 2 of the tool), closes its copies of them (so
// that the tool's end of output is seen when the tool exits) and reports the tool's status on
// STATUS_FD (the broker's stdout, kept aside). The broker closes the slot's sockets at once.
const BROKER_SCRIPT = `
exec ${STATUS_FD}>&1
others=(${CLOSE_OTHERS.join(' ')})
while read -r slot command args; do
  fd=$((${FIRST_SLOT_FD} + 3 * slot))
  (
    eval "exec \${others[slot]}"
    eval "$command $args <&$fd >&$((fd + 1)) 2>&$((fd + 2)) $fd<&- $((fd + 1))>&- $((fd + 2))>&- ${STATUS_FD}>&- &"
    tool=$!
    eval "exec $fd<&- $((fd + 1))>&- $((fd + 2))>&-"
    wait $tool
    echo "$slot $?" >&${STATUS_FD}
  ) &
  eval "exec $fd<&- $((fd + 1))>&- $((fd + 2))>&-"
done
`;

const WORD = /^[A-Za-z0-9._+=/-]+$/;

interface PendingJob {
  resolve: (status: number) => void;
}

class Broker {
  private readonly child: ChildProcess;
  private used = 0;
  private readonly pending = new Map<number, PendingJob>();
  private lines = '';
  /** Set when the broker cannot take jobs (it exited or failed to start). */
  failed: Error | undefined;

  constructor(bash: string) {
    const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'ignore'];
    for (let k = 0; k < 3 * BROKER_SLOTS; k++) stdio.push('pipe');
    // No start-up file of the user's (BASH_ENV) runs in the broker: only the script below.
    const env = { ...process.env };
    delete env.BASH_ENV;
    this.child = spawn(bash, ['--noprofile', '--norc', '-c', BROKER_SCRIPT], { stdio, env });
    this.child.unref();
    for (const stream of this.child.stdio) (stream as Socket | null)?.unref?.();
    const status = this.child.stdout!;
    status.setEncoding('utf8');
    status.on('data', (text: string) => this.onStatus(text));
    this.child.stdin!.on('error', () => {
      // The broker went away: `exit` below fails what is pending.
    });
    this.child.on('error', (error) => this.fail(error));
    // The broker exits once its slots are taken, while jobs may still run: their subshells hold
    // the status socket until they report. Its end with a job unreported means they were killed.
    status.on('close', () => {
      if (this.pending.size > 0) this.fail(new Error('the tool broker exited'));
    });
  }

  get full(): boolean {
    return this.used === BROKER_SLOTS || this.failed !== undefined;
  }

  start(command: string, args: readonly string[]): ToolJob {
    const slot = this.used++;
    const sockets = [0, 1, 2].map((k) => this.child.stdio[FIRST_SLOT_FD + 3 * slot + k] as Socket);
    for (const socket of sockets) socket.ref();
    const status = new Promise<number>((resolve) => this.pending.set(slot, { resolve }));
    this.refStatus();
    this.child.stdin!.write(`${slot} ${command} ${args.join(' ')}\n`);
    // The broker reads until its stdin ends: it ends once every slot is taken.
    if (this.used === BROKER_SLOTS) this.child.stdin!.end();
    return new BrokerJob(sockets[0]!, sockets[1]!, sockets[2]!, status, command);
  }

  private onStatus(text: string): void {
    this.lines += text;
    for (let end = this.lines.indexOf('\n'); end >= 0; end = this.lines.indexOf('\n')) {
      const line = this.lines.slice(0, end);
      this.lines = this.lines.slice(end + 1);
      const [slot, code] = line.split(' ').map(Number);
      const job = this.pending.get(slot!);
      if (job === undefined || !Number.isInteger(code)) continue;
      this.pending.delete(slot!);
      job.resolve(code!);
    }
    this.refStatus();
  }

  /** The status socket keeps the event loop alive only while a job waits for its status. */
  private refStatus(): void {
    const status = this.child.stdout as Socket;
    if (this.pending.size > 0) status.ref();
    else status.unref();
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const job of this.pending.values()) job.resolve(-1);
    this.pending.clear();
    this.refStatus();
  }
}

class BrokerJob implements ToolJob {
  readonly exited: Promise<ToolExit>;
  ended = false;

  constructor(
    readonly stdin: Socket,
    readonly stdout: Socket,
    readonly stderr: Socket,
    status: Promise<number>,
    command: string,
  ) {
    // An input socket closed by the tool (it stopped reading) is its exit status's business.
    stdin.on('error', () => undefined);
    const closed = (socket: Socket): Promise<void> =>
      socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
    this.exited = Promise.all([status, closed(stdout), closed(stderr)]).then(([code]) => {
      this.ended = true;
      stdin.destroy();
      return exitOf(code, command);
    });
  }

  kill(): void {
    // Closing its sockets ends the tool: EOF on its input, SIGPIPE at its next write.
    this.stdin.destroy();
    this.stdout.destroy();
    this.stderr.destroy();
  }
}

/** A shell status as Node reports a child's: 128 + n is signal n, 127 a command not found. */
function exitOf(code: number, command: string): ToolExit {
  if (code === -1)
    return { code: null, signal: null, error: new Error(`the tool broker stopped before ${command} ended`) };
  if (code === 127) {
    return {
      code: null,
      signal: null,
      error: Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT' }),
    };
  }
  if (code > 128) {
    const signal = (Object.keys(constants.signals) as NodeJS.Signals[]).find(
      (name) => constants.signals[name] === code - 128,
    );
    if (signal !== undefined) return { code: null, signal };
  }
  return { code, signal: null };
}

/** A tool spawned by this process (no bash on PATH, or a broker that failed). */
class DirectJob implements ToolJob {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exited: Promise<ToolExit>;
  ended = false;
  private readonly child: ChildProcess;

  constructor(command: string, args: readonly string[]) {
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.stdin = child.stdin!;
    this.stdout = child.stdout!;
    this.stderr = child.stderr!;
    this.stdin.on('error', () => undefined);
    this.exited = new Promise<ToolExit>((resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    }).then((exit) => {
      this.ended = true;
      return exit;
    });
  }

  kill(): void {
    this.stdin.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    this.stdout.destroy();
  }
}

let bashPath: string | null | undefined;
let broker: Broker | undefined;

/** The executable file `command` names on PATH, or undefined. */
export function commandOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function findBash(): string | null {
  if (bashPath === undefined) bashPath = commandOnPath('bash') ?? null;
  return bashPath;
}

/**
 * How tools are started: 'broker' (from a bash process, the default when bash is on PATH) or
 * 'direct' (spawned by this process; CAIRN_TOOL_BROKER=0 asks for it).
 */
export function toolLauncher(): 'broker' | 'direct' {
  return process.env.CAIRN_TOOL_BROKER !== '0' && process.platform !== 'win32' && findBash() !== null
    ? 'broker'
    : 'direct';
}

/** Starts `command args` with piped stdin, stdout and stderr (see the module's comment). */
export function startTool(command: string, args: readonly string[]): ToolJob {
  if (toolLauncher() === 'direct') return new DirectJob(command, args);
  for (const word of [command, ...args]) {
    if (!WORD.test(word)) throw new Error(`not a plain word for the tool broker: ${JSON.stringify(word)}`);
  }
  if (broker === undefined || broker.full) broker = new Broker(findBash()!);
  if (broker.failed !== undefined) return new DirectJob(command, args);
  return broker.start(command, args);
}
