/** What the function backend hands a function and what it gets back, in Fn's terms (docs/functions.md). */
export {};
