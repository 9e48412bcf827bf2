pub mod office;
