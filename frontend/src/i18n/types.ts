export interface LocaleTree {
  readonly [key: string]: string | LocaleTree;
}
