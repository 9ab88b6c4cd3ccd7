/** Strings by key, nested: what i18next takes as one language's resources. */
export interface MessageTree {
  [key: string]: string | MessageTree;
}

/** The same keys as `T`, every leaf a string: what a translation of `T` must have. */
export type Translation<T> = { [K in keyof T]: T[K] extends string ? string : Translation<T[K]> };

/** One bundle of strings in every language the UI speaks (see `languages` in ./index.ts). */
export interface MessageBundle {
  en: MessageTree;
  tr: MessageTree;
}
