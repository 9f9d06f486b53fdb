/**
 * The connect-rate and slow-callback scenarios: sessions back to back at a
 * fixed concurrency, each connect + publish (or play) until the server says
 * it started, then close. Measures sessions/s, each session's time and the
 * server's CPU over the whole cell.
 */
import { performance } from 'node:perf_hooks';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { HandshakeState } from '../../src/rtmp/handshake.js';
import { withTimeout } from './fanout-window.js';
import { keepError, type SessionsJob, type SessionsResult } from './jobs.js';
import { machineBusyShare, readCpuTimes, readMachineCpu } from './proc-stats.js';

async function runOneSession(job: SessionsJob, index: number, handshakeState: HandshakeState): Promise<number> {
  const startedAt = performance.now();
  const url = `rtmp://127.0.0.1:${job.port}/${job.app}/${job.streamPrefix}${index}`;
  const client = await RtmpClient.connect(url, { timeoutMs: job.sessionTimeoutMs, handshakeState });
  try {
    await withTimeout(job.kind === 'publish' ? client.publish() : client.play(), job.sessionTimeoutMs, job.kind);
    return performance.now() - startedAt;
  } finally {
    client.close();
  }
}

/** Runs one cell; never throws for a failed session, it counts it. */
export async function runSessions(job: SessionsJob): Promise<SessionsResult> {
  const errors: string[] = [];
  const sessionMs: number[] = [];
  let failed = 0;
  let next = 0;
  const startedAt = performance.now();
  const deadline = startedAt + job.maxDurationMs;
  const serverCpuAtStart = readCpuTimes(job.serverPid);
  const machineAtStart = readMachineCpu();
  const loadGenAtStart = process.cpuUsage();
  // One pool for the cell's clients, so the load generator spends little CPU on handshake randomness.
  const handshakeState = new HandshakeState();

  const worker = async (): Promise<void> => {
    while (next < job.sessions && performance.now() < deadline) {
      const index = next;
      next += 1;
      try {
        sessionMs.push(await runOneSession(job, index, handshakeState));
      } catch (error) {
        failed += 1;
        keepError(errors, error);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));

  const elapsedMs = performance.now() - startedAt;
  const serverCpuAtEnd = readCpuTimes(job.serverPid);
  const machineBusy = machineBusyShare(machineAtStart, readMachineCpu());
  const serverSysMs = serverCpuAtEnd.sysMs - serverCpuAtStart.sysMs;
  const serverCpuMs = serverCpuAtEnd.userMs - serverCpuAtStart.userMs + serverSysMs;
  const loadGen = process.cpuUsage(loadGenAtStart);
  return {
    type: 'sessions',
    completed: sessionMs.length,
    failed,
    elapsedMs,
    serverCpuMs,
    serverSysMs,
    loadGenCpuMs: (loadGen.user + loadGen.system) / 1000,
    machineBusy,
    sessionMs,
    errors,
  };
}
