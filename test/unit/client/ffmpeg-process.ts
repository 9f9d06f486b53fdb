/** Spawns the ffmpeg binary shipped by @ffmpeg-installer/ffmpeg with a hard time bound. */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** Path of the real ffmpeg binary (devDependency). */
export const FFMPEG_PATH: string = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;

export interface FfmpegResult {
  code: number | null;
  stderr: string;
}

/** Runs ffmpeg to completion; kills it after `timeoutMs` (the result then says so in stderr). */
export function runFfmpeg(args: string[], timeoutMs = 20_000): Promise<FfmpegResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG_PATH, ['-hide_banner', '-nostdin', '-loglevel', 'info', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** A short H.264 + AAC test stream (lavfi testsrc + sine), as the integration tests use. */
export function lavfiInput(seconds: number): string[] {
  return [
    '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k',
  ];
}
