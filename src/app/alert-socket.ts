/**
 * Where the alert stream's socket is by default, alone in a module: `cairn collect` names it in its
 * help without loading the stream (its client loads live detection's schemas).
 *
 * @example
 * connect(DEFAULT_ALERT_SOCKET);
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where `cairn collect --alert-socket` listens and `cairn outages --live` connects by default. */
export const DEFAULT_ALERT_SOCKET = join(tmpdir(), 'cairn-alerts.sock');
