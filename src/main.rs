mod agent;
mod tools;

fn main() {}
