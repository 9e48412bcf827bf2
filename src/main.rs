//! The `community-desk` binary: configuration, logging, then the library.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; the environment may carry everything.
    let _ = dotenvy::dotenv();
    // HTTP client internals log request URLs, which contain the bot token;
    // they stay quiet whatever RUST_LOG asks for.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive("reqwest=warn".parse().expect("a valid directive"))
        .add_directive("hyper=warn".parse().expect("a valid directive"))
        .add_directive("hyper_util=warn".parse().expect("a valid directive"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match community_desk::cli::main().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
