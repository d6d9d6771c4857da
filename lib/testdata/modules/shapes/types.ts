/** Something with a name. */
export interface Shape {
  name: string;
}

/** Something with an area. */
export interface Area {
  area(): number;
}
