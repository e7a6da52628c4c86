/** Photos made at test time: a JPEG carrying a camera make/model and a GPS position in its EXIF. */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";

export const CANARY_CAMERA = "CanaryCam-7Q";
/** 10°14'35.97"N 106°22'44.11"E — a field in Châu Thành. */
export const CANARY_GPS = { lat: 10 + 14 / 60 + 35.97 / 3600, lon: 106 + 22 / 60 + 44.11 / 3600 };

export async function photoWithGps(width = 320, height = 240): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#2e7d32" } })
    .jpeg()
    .withExif({
      IFD0: { Make: CANARY_CAMERA, Model: `${CANARY_CAMERA}-X1` },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "10/1 14/1 3597/100", GPSLongitudeRef: "E", GPSLongitude: "106/1 22/1 4411/100" },
    })
    .toBuffer();
}

/** The EXIF encoding of the rational 3597/100 (latitude seconds), in both byte orders. */
export function gpsRationalBytes(): Buffer[] {
  const be = Buffer.alloc(8);
  be.writeUInt32BE(3597, 0);
  be.writeUInt32BE(100, 4);
  const le = Buffer.alloc(8);
  le.writeUInt32LE(3597, 0);
  le.writeUInt32LE(100, 4);
  return [be, le];
}

/**
 * A JPEG as heavy as a phone camera's (a 4000×3000 one is about 5 MB):
 * smooth shapes under sensor-like noise, which JPEG cannot squeeze away.
 */
export async function cameraLikePhoto(width: number, height: number): Promise<Buffer> {
  const cell = 16;
  const sw = Math.ceil(width / cell);
  const sh = Math.ceil(height / cell);
  const shapes = await sharp(randomBytes(sw * sh * 3), { raw: { width: sw, height: sh, channels: 3 } })
    .resize(width, height, { kernel: "cubic" })
    .raw()
    .toBuffer();
  const noise = randomBytes(shapes.length);
  for (let i = 0; i < shapes.length; i++) shapes[i] = Math.max(0, Math.min(255, shapes[i]! + (noise[i]! & 0x1f) - 16));
  return sharp(shapes, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Files for a browser's file input, written to a fresh temporary folder (named from `prefix`); `remove()` deletes it. */
export function tempFiles<K extends string>(prefix: string, contents: Record<K, { name: string; data: Buffer }>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const files = {} as Record<K, { file: string; bytes: number }>;
  for (const [key, { name, data }] of Object.entries(contents) as Array<[K, { name: string; data: Buffer }]>) {
    fs.writeFileSync(path.join(dir, name), data);
    files[key] = { file: path.join(dir, name), bytes: data.length };
  }
  return { files, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
