// Process helpers for the benchmark: spawn and stop servers, read a process tree's CPU time
// and memory from /proc (Linux), wait for a port.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';

const TICK_MS = 10; // Linux USER_HZ is 100 on every mainstream kernel (getconf CLK_TCK)

function statOf(pid) {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/** The pid and all its living descendants. */
export function processTree(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(name);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** CPU milliseconds (user + system, including reaped children) of a process tree. */
export function treeCpuMs(rootPid) {
  let ticks = 0;
  for (const pid of processTree(rootPid)) ticks += statOf(pid)?.ticks ?? 0;
  return ticks * TICK_MS;
}

/** Resident memory of a process tree, in MiB. */
export function treeRssMb(rootPid) {
  let kb = 0;
  for (const pid of processTree(rootPid)) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // the process exited between the listing and the read
    }
  }
  return kb / 1024;
}

/** Samples the tree's RSS every `everyMs` until stopped; returns the peak in MiB. */
export function rssSampler(rootPid, everyMs = 100) {
  let peak = treeRssMb(rootPid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssMb(rootPid));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, treeRssMb(rootPid));
      return peak;
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, timeoutMs = 60_000, child) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/**
 * Starts a long-running process in its own process group (so it can be stopped with all its
 * children), keeping the tail of its output for error reports.
 */
export function startProcess(command, args, { cwd, env, name }) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const tail = [];
  const keep = (chunk) => {
    tail.push(chunk.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.name = name;
  child.outputTail = () => tail.join('');
  return child;
}

/** Reads the first JSON line a process prints on stdout. */
export function firstJsonLine(child, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${child.name}: no JSON line after ${timeoutMs} ms\n${child.outputTail()}`)), timeoutMs);
    const onData = (chunk) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        if (!line.trim().startsWith('{')) continue;
        try {
          const value = JSON.parse(line);
          clearTimeout(timer);
          child.stdout.off('data', onData);
          resolve(value);
          return;
        } catch {
          // an incomplete line: wait for more
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${child.name} exited with ${code}\n${child.outputTail()}`)));
  });
}

/** Stops a process group started by startProcess: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kernel TCP counters (network-namespace wide): connections dropped at a full accept queue. */
export function listenOverflows() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/);
    return Number(values[names.indexOf('ListenOverflows')]) || 0;
  } catch {
    return 0;
  }
}
