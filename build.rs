//! Embeds the built web app: rebuild when `web/dist` changes, and let a checkout without a
//! built web app still compile (the server then says how to build it).

fn main() {
    let dist = std::path::Path::new("web/dist");
    if !dist.exists() {
        let _ = std::fs::create_dir_all(dist);
    }
    println!("cargo:rerun-if-changed=web/dist");
}
