/** In a subfolder: the template `./plugins/${name}.ts` must not reach it. */
export const name = "gamma";
