/**
 * The test stream: encoded once with the shipped ffmpeg into a cache outside
 * the repo, then read into memory as FLV tags that the publishers loop.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readFlvTags } from '../../src/client/flv-file.js';
import { spawnTracked } from './child-processes.js';

/** What the issue asks for: 720p30 H.264 about 2.5 Mbit/s, 2 s GOP, AAC. */
export const STREAM_SPEC = {
  width: 1280,
  height: 720,
  fps: 30,
  videoKbps: 2_500,
  audioKbps: 128,
  gopFrames: 60,
  seconds: 24,
} as const;

/** Bound on the one-time encode (about 7 s on 2 cores). */
const ENCODE_TIMEOUT_MS = 180_000;

/** One FLV tag as the publishers send it. */
export interface FixtureTag {
  readonly kind: 'audio' | 'video' | 'data';
  readonly timestamp: number;
  readonly payload: Buffer;
  /** Metadata and sequence headers: sent once, not on every loop. */
  readonly isConfig: boolean;
  /** The tag as FLV bytes (11-byte header, body, PreviousTagSize): what the null baseline relays. */
  readonly flvBytes: Buffer;
}

/** The stream in memory. */
export interface StreamFixture {
  readonly file: string;
  readonly tags: readonly FixtureTag[];
  /** Loop period: last timestamp plus one frame, so looped timestamps keep increasing. */
  readonly loopDurationMs: number;
  /** Audio + video payload bytes per second of stream. */
  readonly payloadBytesPerSecond: number;
}

const require = createRequire(import.meta.url);

/** Path of the ffmpeg binary shipped by @ffmpeg-installer/ffmpeg. */
export function ffmpegPath(): string {
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

function encodeArgs(output: string): string[] {
  const s = STREAM_SPEC;
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(s.seconds),
    // Temporal noise keeps x264 near the target rate; a bare test pattern compresses to a fraction of it.
    '-vf', 'noise=alls=12:allf=t',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-b:v', `${s.videoKbps}k`, '-maxrate', `${s.videoKbps}k`, '-bufsize', `${s.videoKbps}k`,
    '-g', String(s.gopFrames), '-keyint_min', String(s.gopFrames), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', `${s.audioKbps}k`, '-ar', '44100',
    '-f', 'flv', output,
  ];
}

/** Encodes the stream into `cacheDir` unless a previous run left it there; returns its path. */
export async function prepareStreamFile(cacheDir: string): Promise<string> {
  const s = STREAM_SPEC;
  const file = join(cacheDir, `stream-${s.height}p${s.fps}-${s.videoKbps}k-g${s.gopFrames}-${s.seconds}s.flv`);
  if (existsSync(file) && statSync(file).size > 0) return file;
  mkdirSync(cacheDir, { recursive: true });
  // Encode to a temporary name and rename, so an interrupted encode is never reused.
  const partial = `${file}.partial.flv`;
  const child = spawnTracked(ffmpegPath(), encodeArgs(partial), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), ENCODE_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`ffmpeg failed to encode the test stream (exit ${code}): ${stderr.trim()}`);
  renameSync(partial, file);
  return file;
}

function isConfigTag(kind: FixtureTag['kind'], payload: Buffer): boolean {
  if (kind === 'data') return true;
  // AVC/HEVC: byte 1 is the packet type, 0 = decoder configuration record.
  if (kind === 'video') return payload.length > 1 && payload[1] === 0;
  // AAC (sound format 10): byte 1 is the packet type, 0 = AudioSpecificConfig.
  return payload.length > 1 && payload[0]! >> 4 === 10 && payload[1] === 0;
}

const FLV_TAG_TYPE = { audio: 8, video: 9, data: 18 } as const;

function toFlvBytes(kind: FixtureTag['kind'], timestamp: number, payload: Buffer): Buffer {
  const bytes = Buffer.alloc(11 + payload.length + 4);
  bytes[0] = FLV_TAG_TYPE[kind];
  bytes.writeUIntBE(payload.length, 1, 3);
  bytes.writeUIntBE(timestamp & 0xffffff, 4, 3);
  bytes[7] = (timestamp >>> 24) & 0xff;
  payload.copy(bytes, 11);
  bytes.writeUInt32BE(11 + payload.length, 11 + payload.length);
  return bytes;
}

/** Reads the encoded file into tags with their FLV bytes precomputed. */
export function loadStreamFixture(file: string): StreamFixture {
  const tags: FixtureTag[] = [];
  let lastTimestamp = 0;
  let mediaBytes = 0;
  for (const tag of readFlvTags(readFileSync(file))) {
    const payload = Buffer.from(tag.payload);
    tags.push({
      kind: tag.kind,
      timestamp: tag.timestamp,
      payload,
      isConfig: isConfigTag(tag.kind, payload),
      flvBytes: toFlvBytes(tag.kind, tag.timestamp, payload),
    });
    lastTimestamp = Math.max(lastTimestamp, tag.timestamp);
    if (tag.kind !== 'data') mediaBytes += payload.length;
  }
  if (tags.length === 0) throw new Error(`${file} holds no FLV tags`);
  const loopDurationMs = lastTimestamp + Math.round(1000 / STREAM_SPEC.fps);
  return { file, tags, loopDurationMs, payloadBytesPerSecond: (mediaBytes * 1000) / loopDurationMs };
}
