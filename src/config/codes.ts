/**
 * Stable `code`s of the ConfigErrors thrown by config/. Callers branch on the
 * code, never on the message (errors.ts). All mean SRS's 1023 ConfigInvalid.
 */
export const ConfigErrorCode = {
  /** A lexical or structural error in the text (srs-spec §3.1 read_token/parse_conf). */
  Syntax: 'ERR_CONFIG_SYNTAX',
  /** An unknown directive or a bad value (srs-spec §3.1 check_normal_config). */
  Invalid: 'ERR_CONFIG_INVALID',
  /** An `include` that is empty, missing, cyclic or too deep. */
  Include: 'ERR_CONFIG_INCLUDE',
  /** The config file is missing, unreadable, a directory or over the size bound. */
  File: 'ERR_CONFIG_FILE',
  /** An SRS_* environment override has a bad value. */
  Env: 'ERR_CONFIG_ENV',
} as const;

/** One of the ConfigErrorCode values. */
export type ConfigErrorCodeValue = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];
