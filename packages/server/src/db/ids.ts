import { randomInt } from 'node:crypto';
import { hostname } from 'node:os';

// Prisma fills `@default(cuid())` ids itself, so a row's id is known only after its insert. Rows inserted
// in bulk that later rows must point to (a batch's new contacts) get their ids here beforehand, in the
// same format: cuid v1, "c" + time + counter + host fingerprint + randomness, all base 36.

const BASE = 36;
const BLOCK = 4;
const pad = (text: string, size: number) => text.padStart(size, '0').slice(-size);
const hostFingerprint =
  pad(process.pid.toString(BASE), 2) +
  pad(
    [...hostname()].reduce((sum, char) => sum + char.charCodeAt(0), hostname().length + BASE).toString(BASE),
    2,
  );
let counter = 0;

const randomBlock = () => pad(randomInt(BASE ** BLOCK).toString(BASE), BLOCK);

/** A new id in the format of Prisma's `cuid()`. */
export function newId(): string {
  counter = (counter + 1) % BASE ** BLOCK;
  return `c${Date.now().toString(BASE)}${pad(counter.toString(BASE), BLOCK)}${hostFingerprint}${randomBlock()}${randomBlock()}`;
}
