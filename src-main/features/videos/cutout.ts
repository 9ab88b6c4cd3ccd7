/**
 * A frame's cut-out: the frame with the model's mask as alpha. The remove-background
 * feature's mask refinement and colour decontamination are not offered through its
 * public.ts yet, so the raw model alpha is kept; what is fixed here is the colour under
 * fully transparent pixels, cleared to black so no background survives in a PNG a later
 * step (augmentation, an editor's "un-erase") might reveal. libvips does the per-pixel
 * work (sharp's threadpool), never the event loop.
 */
import sharp from 'sharp';

export interface CutoutFrame {
  /** The frame as an RGB image file (PNG). */
  file: string;
  width: number;
  height: number;
}

/** Writes the cut-out of `frame` with `mask` (width × height, 0–255) as an RGBA PNG at `out`. */
export type CutoutMaker = (frame: CutoutFrame, mask: Uint8Array, out: string) => Promise<void>;

export const clearedCutout: CutoutMaker = async (frame, mask, out) => {
  const raw1 = { raw: { width: frame.width, height: frame.height, channels: 1 as const } };
  const alpha = Buffer.from(mask.buffer, mask.byteOffset, mask.length);
  // 255 where alpha ≥ 1, else 0 (threshold answers in sRGB: take one band).
  const keep = await sharp(alpha, raw1).threshold(1).extractChannel(0).raw().toBuffer();
  // Two pipelines: sharp orders operations itself, and joinChannel must come after the AND.
  const rgb = await sharp(frame.file).removeAlpha().boolean(keep, 'and', raw1).raw().toBuffer({ resolveWithObject: true });
  if (rgb.info.width !== frame.width || rgb.info.height !== frame.height || rgb.info.channels !== 3) {
    throw new Error(`the frame ${frame.file} is ${rgb.info.width}×${rgb.info.height}×${rgb.info.channels}, not ${frame.width}×${frame.height} RGB`);
  }
  await sharp(rgb.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .joinChannel(alpha, raw1)
    .png()
    .toFile(out);
};
