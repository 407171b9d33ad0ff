// Prints a greeting to the name in $GREETING_NAME: the runtime configuration reaches the run.
fn greeting(name: &str) -> String {
    let greeting = format!("hello {name}");
    if cfg!(feature = "shout") {
        greeting.to_uppercase()
    } else {
        greeting
    }
}

fn main() {
    let name = std::env::var("GREETING_NAME").unwrap_or_else(|_| "nobody".to_string());
    println!("{}", greeting(&name));
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets_by_name() {
        assert_eq!(super::greeting("x").to_lowercase(), "hello x");
    }
}
