// Text modules (wrangler's default `Text` rule and esbuild's `.txt` loader): the file's contents.
declare module '*.txt' {
  const text: string;
  export default text;
}
