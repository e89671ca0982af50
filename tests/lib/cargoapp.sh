# cargo_regex_app DIR: a Cargo project at DIR, a program using the regex
# crate, resolved offline from Debian's packaged crates
# (/usr/share/cargo/registry, librust-regex+default-dev) through a
# source replacement in its .cargo/config.toml.
cargo_regex_app() {
	mkdir -p "$1/src" "$1/.cargo"
	cat > "$1/Cargo.toml" <<'TOML'
[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
regex = "1"
TOML
	printf 'fn main() {\n    let r = regex::Regex::new("a+").unwrap();\n    println!("{}", r.is_match("aa"));\n}\n' \
	    > "$1/src/main.rs"
	printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n' \
	    > "$1/.cargo/config.toml"
}
