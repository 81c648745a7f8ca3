// The .patch files are bundled as text (esbuild's text loader, scripts/build.mjs).
declare module '*.patch' {
  const text: string;
  export default text;
}
