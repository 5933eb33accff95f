// .proto files are imported as text (`with { type: "text" }`) so they are embedded in the
// compiled binary; this tells the type checker what such an import gives.
declare module "*.proto" {
  const text: string;
  export default text;
}
