//! Tera templates, built once at start-up from the files in `templates/` (embedded
//! in release builds, read from disk in debug builds so edits show without a rebuild).

use rust_embed::RustEmbed;
use tera::Tera;

#[derive(RustEmbed)]
#[folder = "../../templates/"]
struct Files;

pub struct Templates {
    tera: Tera,
}

impl Templates {
    pub fn load() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        let mut sources = Vec::new();
        for name in Files::iter() {
            let Some(file) = Files::get(&name) else {
                continue;
            };
            let text = String::from_utf8(file.data.into_owned())
                .map_err(|_| tera::Error::msg(format!("template {name} is not UTF-8")))?;
            sources.push((name.into_owned(), text));
        }
        tera.add_raw_templates(sources)?;
        // Escape everything we render as HTML; text e-mails are `.txt` and stay raw.
        tera.autoescape_on(vec![".html"]);
        Ok(Templates { tera })
    }

    pub fn render(
        &self,
        name: &str,
        context: &impl serde::Serialize,
    ) -> Result<String, tera::Error> {
        self.tera
            .render(name, &tera::Context::from_serialize(context)?)
    }

    pub fn names(&self) -> Vec<&str> {
        self.tera.get_template_names().collect()
    }
}
