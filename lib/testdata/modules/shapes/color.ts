/** Colors as an enum: needs a real transform, not just type stripping. */
export enum Color {
  Red = 1,
  Green,
}

/** Parameter properties: also a real transform. */
export class Swatch {
  constructor(public color: Color, readonly label: string) {}
}
