import { extname } from 'node:path';

/**
 * SRS's MIME table for static files, verbatim (srs_protocol_http_stack.cpp:436-469, spec §1.7),
 * including its spellings (`video/MP2T`, `text/javascript`) so players that sniff the header
 * behave as they do against SRS. Keys are lowercase extensions with the dot.
 */
export const MIME_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.ts': 'video/MP2T',
  '.flv': 'video/x-flv',
  '.m4v': 'video/x-m4v',
  '.3gpp': 'video/3gpp',
  '.3gp': 'video/3gpp',
  '.mp4': 'video/mp4',
  '.aac': 'audio/x-aac',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/x-m4a',
  '.ogg': 'audio/ogg',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.rss': 'application/rss+xml',
  '.json': 'application/json',
  '.swf': 'application/x-shockwave-flash',
  '.doc': 'application/msword',
  '.zip': 'application/zip',
  '.rar': 'application/x-rar-compressed',
  '.xml': 'text/xml',
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.mp4v': 'video/mp4',
});

/** What SRS sends for any extension it does not know. */
export const DEFAULT_MIME_TYPE = 'application/octet-stream';

/**
 * The Content-Type for a file name. The extension is matched case-insensitively (SRS matches
 * exactly, so `.MP4` would be octet-stream there); `Object.hasOwn` keeps prototype names out.
 */
export function mimeTypeOf(fileName: string): string {
  const extension = extname(fileName).toLowerCase();
  return Object.hasOwn(MIME_TYPES, extension) ? MIME_TYPES[extension]! : DEFAULT_MIME_TYPE;
}
