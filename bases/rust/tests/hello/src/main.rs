// Prints a greeting to the name in $GREETING_NAME: the runtime configuration reaches the run.
fn main() {
    let name = std::env::var("GREETING_NAME").unwrap_or_else(|_| "nobody".to_string());
    let greeting = format!("hello {name}");
    if cfg!(feature = "shout") {
        println!("{}", greeting.to_uppercase());
    } else {
        println!("{greeting}");
    }
}
