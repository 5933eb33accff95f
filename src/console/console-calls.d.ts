// console-calls.js is part of the console page's browser script, imported as text (index.ts
// puts it into the page); this tells the type checker what that import gives.
declare const text: string;
export default text;
