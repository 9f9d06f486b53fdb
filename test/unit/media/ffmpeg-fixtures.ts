import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
/** The ffmpeg binary shipped as a devDependency (2018 static build: no HEVC in FLV). */
export const FFMPEG: string = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;

/** One FLV tag: 8 audio, 9 video, 18 script data. */
export interface FlvTag {
  type: number;
  timestamp: number;
  body: Buffer;
}

/** Walks an FLV file (FLV v10.1 E.2, E.3): header, then tag + PreviousTagSize pairs; bounds-checked. */
export function walkFlv(file: Buffer): FlvTag[] {
  if (file.length < 13 || file.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV file');
  const tags: FlvTag[] = [];
  let offset = file.readUInt32BE(5) + 4;
  while (offset + 11 <= file.length) {
    const type = file[offset]! & 0x1f;
    const size = file.readUIntBE(offset + 1, 3);
    const timestamp = (file.readUIntBE(offset + 4, 3) | (file[offset + 7]! << 24)) >>> 0;
    const end = offset + 11 + size;
    if (end + 4 > file.length) throw new Error(`truncated tag at ${offset}`);
    if (file.readUInt32BE(end) !== size + 11) throw new Error(`bad PreviousTagSize at ${end}`);
    tags.push({ type, timestamp, body: Buffer.from(file.subarray(offset + 11, end)) });
    offset = end + 4;
  }
  return tags;
}

/** Runs ffmpeg into a fresh temp dir and returns the output file's bytes. */
export function runFfmpeg(args: string[], outputName: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'srs-ts-media-'));
  try {
    const output = join(dir, outputName);
    execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args, output], { timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** lavfi testsrc + sine for `seconds`, as FLV with libx264 + aac; extra video/audio options appended. */
export function makeFlv(options: { size: string; seconds: number; video: string[]; audio: string[] }): FlvTag[] {
  const bytes = runFfmpeg(
    [
      '-f', 'lavfi', '-i', `testsrc=size=${options.size}:rate=25`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(options.seconds),
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...options.video,
      '-c:a', 'aac', ...options.audio,
      '-f', 'flv',
    ],
    'out.flv',
  );
  return walkFlv(bytes);
}

/** Splits an Annex-B byte stream into NAL units (without start codes). */
export function splitAnnexB(stream: Buffer): Buffer[] {
  const starts: { at: number; length: number }[] = [];
  for (let i = 0; i + 3 <= stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0) {
      if (stream[i + 2] === 1) starts.push({ at: i, length: 3 });
      else if (stream[i + 2] === 0 && stream[i + 3] === 1) starts.push({ at: i, length: 4 });
      else continue;
      i += starts[starts.length - 1]!.length - 1;
    }
  }
  return starts.map((start, index) => stream.subarray(start.at + start.length, starts[index + 1]?.at ?? stream.length));
}
