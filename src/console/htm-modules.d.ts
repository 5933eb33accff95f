// The console page is imported as text (`with { type: "text" }`) so it is embedded in the
// compiled binary. It is named .htm because Bun's own types claim *.html imports for its HTML
// bundler; this tells the type checker what the text import gives.
declare module "*.htm" {
  const text: string;
  export default text;
}
