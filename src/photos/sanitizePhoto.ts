/**
 * Photo intake: recognise the real type from the bytes, decode, and re-encode
 * to a fresh JPEG with no metadata at all (EXIF, GPS, XMP, ICC, camera
 * serials, thumbnails). Re-encoding, not stripping, also drops anything hidden
 * after the image data. Only when the tipster opted in is the GPS position
 * read out first — and then returned separately, to be encrypted with the
 * report, never written into the image.
 */
import exifReader from "exif-reader";
import sharp from "sharp";

// Photos are decoded one after another per process; libvips's cache would only hold tipster data longer.
sharp.cache(false);

export type PhotoType = "jpeg" | "png" | "webp";

export interface CleanPhoto {
  jpeg: Buffer;
  gps?: { lat: number; lon: number };
}

/** Why a photo was refused; each maps to a locale key errors.<reason>. */
export class PhotoError extends Error {
  constructor(readonly reason: "photo_bad_type" | "photo_unreadable") {
    super(reason);
  }
}

/** 40 megapixels: any real phone photo, far from a decompression bomb. */
const MAX_PIXELS = 40_000_000;

/** The type by magic bytes, ignoring the file name and the declared content type. */
export function sniffType(buf: Buffer): PhotoType | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return "jpeg";
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "png";
  if (buf.length >= 12 && buf.toString("latin1", 0, 4) === "RIFF" && buf.toString("latin1", 8, 12) === "WEBP") return "webp";
  return null;
}

function toDegrees(dms: number[] | undefined, ref: string | undefined): number | undefined {
  if (!dms || dms.length < 3 || dms.some((n) => !Number.isFinite(n))) return undefined;
  const deg = dms[0]! + dms[1]! / 60 + dms[2]! / 3600;
  return ref === "S" || ref === "W" ? -deg : deg;
}

function readGps(exif: Buffer | undefined): CleanPhoto["gps"] {
  if (!exif) return undefined;
  try {
    const info = exifReader(exif).GPSInfo;
    const lat = toDegrees(info?.GPSLatitude, info?.GPSLatitudeRef);
    const lon = toDegrees(info?.GPSLongitude, info?.GPSLongitudeRef);
    if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
    // About 1 m of precision is all that finding a field needs.
    return { lat: Math.round(lat * 1e5) / 1e5, lon: Math.round(lon * 1e5) / 1e5 };
  } catch {
    return undefined;
  }
}

/**
 * @throws PhotoError when the bytes are not a JPEG/PNG/WebP or cannot be decoded.
 */
export async function sanitizePhoto(input: Buffer, keepGps: boolean): Promise<CleanPhoto> {
  if (!sniffType(input)) throw new PhotoError("photo_bad_type");
  try {
    const image = sharp(input, { limitInputPixels: MAX_PIXELS, failOn: "error", animated: false });
    const meta = await image.metadata();
    const gps = keepGps ? readGps(meta.exif) : undefined;
    // rotate() applies the EXIF orientation to the pixels before the tag is dropped;
    // no withMetadata()/keepMetadata(), so sharp writes no metadata at all.
    const jpeg = await image.rotate().flatten({ background: "#ffffff" }).jpeg({ quality: 85, mozjpeg: true }).toBuffer();
    return gps ? { jpeg, gps } : { jpeg };
  } catch {
    throw new PhotoError("photo_unreadable");
  }
}

/**
 * Every photo of one submission, in order; at the first one refused, no photo and its reason as a
 * locale key (errors.<reason>), so the form can show it beside the other fields' errors.
 */
export async function sanitizePhotos(inputs: Buffer[], keepGps: boolean): Promise<{ photos: CleanPhoto[]; error?: string }> {
  const photos: CleanPhoto[] = [];
  for (const input of inputs) {
    try {
      photos.push(await sanitizePhoto(input, keepGps));
    } catch (e) {
      if (e instanceof PhotoError) return { photos: [], error: `errors.${e.reason}` };
      throw e;
    }
  }
  return { photos };
}
