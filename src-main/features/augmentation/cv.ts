import { createRequire } from 'node:module';

/**
 * OpenCV's WebAssembly build (@techstark/opencv-js, OpenCV 4.5) for the warps and
 * filters: warpAffine, warpPerspective, remap, filter2D, boxFilter, GaussianBlur, erode, cvtColor. It is the same code albumentations calls through cv2, so the
 * transforms keep its semantics without hand-written resampling.
 *
 * The package ships `mirada` typings that declare browser globals; the narrow interface
 * below types only what this feature calls, so nothing else leaks into the engine's types.
 */
export interface CvMat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Uint8Array;
  readonly data32F: Float32Array;
  readonly data64F: Float64Array;
  type(): number;
  channels(): number;
  convertTo(dst: CvMat, rtype: number, alpha?: number, beta?: number): void;
  delete(): void;
}

interface CvSize {
  width: number;
  height: number;
}
type CvSizeCtor = new (width: number, height: number) => CvSize;
type CvPointCtor = new (x: number, y: number) => object;
type CvScalarCtor = new (a: number, b: number, c: number, d: number) => object;
type CvMatCtor = {
  new (): CvMat;
  new (rows: number, cols: number, type: number): CvMat;
};

export interface Cv {
  Mat: CvMatCtor;
  Size: CvSizeCtor;
  Point: CvPointCtor;
  Scalar: CvScalarCtor;
  CV_8U: number;
  CV_8UC1: number;
  CV_8UC3: number;
  CV_8UC4: number;
  CV_32F: number;
  CV_32FC1: number;
  CV_32FC2: number;
  CV_32FC3: number;
  CV_64F: number;
  INTER_LINEAR: number;
  BORDER_CONSTANT: number;
  BORDER_REPLICATE: number;
  BORDER_REFLECT_101: number;
  COLOR_RGB2HLS: number;
  COLOR_HLS2RGB: number;
  COLOR_RGB2HSV: number;
  COLOR_HSV2RGB: number;
  COLOR_RGB2GRAY: number;
  COLOR_GRAY2RGB: number;
  matFromArray(rows: number, cols: number, type: number, array: readonly number[]): CvMat;
  warpAffine(src: CvMat, dst: CvMat, m: CvMat, dsize: CvSize, flags: number, borderMode: number, borderValue: object): void;
  warpPerspective(src: CvMat, dst: CvMat, m: CvMat, dsize: CvSize, flags: number, borderMode: number, borderValue: object): void;
  getPerspectiveTransform(src: CvMat, dst: CvMat): CvMat;
  remap(src: CvMat, dst: CvMat, map1: CvMat, map2: CvMat, interpolation: number, borderMode: number, borderValue: object): void;
  undistort(src: CvMat, dst: CvMat, cameraMatrix: CvMat, distCoeffs: CvMat, newCameraMatrix: CvMat): void;
  filter2D(src: CvMat, dst: CvMat, ddepth: number, kernel: CvMat, anchor: object, delta: number, borderType: number): void;
  boxFilter(src: CvMat, dst: CvMat, ddepth: number, ksize: CvSize, anchor: object, normalize: boolean, borderType: number): void;
  GaussianBlur(src: CvMat, dst: CvMat, ksize: CvSize, sigmaX: number, sigmaY: number, borderType: number): void;
  cvtColor(src: CvMat, dst: CvMat, code: number): void;
  erode(src: CvMat, dst: CvMat, kernel: CvMat, anchor: object, iterations: number, borderType: number, borderValue: object): void;
  addWeighted(src1: CvMat, alpha: number, src2: CvMat, beta: number, gamma: number, dst: CvMat, dtype: number): void;
}

type CvModule = Partial<Cv> & { onRuntimeInitialized?: () => void; calledRun?: boolean; then?: unknown };

let loading: Promise<Cv> | null = null;

/**
 * OpenCV for this thread, loaded once (about 0.4 s: the module compiles its wasm
 * asynchronously). Call from worker threads; tests and benches may call it in-process.
 */
export function loadCv(): Promise<Cv> {
  loading ??= (async () => {
    // Emscripten's Node glue installs process-wide handlers: one rethrows every uncaught
    // exception, the other turns any unhandled rejection into a wasm abort. Neither is
    // ours to install in an engine thread, so the ones it adds are removed again.
    const before = {
      uncaught: new Set(process.listeners('uncaughtException')),
      rejection: new Set(process.listeners('unhandledRejection')),
    };
    const mod = createRequire(import.meta.url)('@techstark/opencv-js') as CvModule;
    for (const l of process.listeners('uncaughtException')) if (!before.uncaught.has(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rejection.has(l)) process.off('unhandledRejection', l);
    if (!mod.calledRun) await new Promise<void>((resolve) => (mod.onRuntimeInitialized = resolve));
    // The module is a thenable that resolves to itself: left in place, resolving a promise
    // with it would recurse forever.
    delete mod.then;
    return mod as Cv;
  })();
  return loading;
}

/** Runs `fn` with Mats it registers, deleting them all afterwards (wasm memory is not garbage-collected). */
export function withMats<T>(fn: (track: <M extends CvMat>(m: M) => M) => T): T {
  const mats: CvMat[] = [];
  try {
    return fn((m) => {
      mats.push(m);
      return m;
    });
  } finally {
    for (const m of mats) m.delete();
  }
}
