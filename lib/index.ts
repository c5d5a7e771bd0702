export * from './model';
export * from './constructs';
// The constructs' `Parameter` class, which the model's builder object of the same name (`pendant/model`) would
// otherwise make ambiguous here.
export { Parameter } from './parameter';
