//! Plain mode's versions of the full-screen views: the same content as
//! plain lines, no escape codes, answers read a line at a time. Used when
//! output is not a terminal, with `--plain`, or when `NO_COLOR` is set.

use std::io::{BufRead, Write};

use super::review::{Review, ReviewOutcome};
use crate::flow::summary::recommendation_text;

/// The review as text, wrapped to `width`: the recommendation and its
/// reasons, then the files.
pub fn review_text(review: &Review, width: usize) -> String {
    let mut text =
        crate::text::wrap::wrap_block(&recommendation_text(&review.recommendation), width);
    text.push_str(&format!(
        "\nFiles to write into {} ({}):\n",
        review.target,
        review.plan.files.len()
    ));
    for row in &review.tree {
        text.push_str(&format!("  {}{}\n", row.guide, row.name));
    }
    text
}

/// Show the review and ask what to do: write, go back, change an answer,
/// or quit. End of input quits.
pub fn review(
    width: usize,
    review: &Review,
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> anyhow::Result<ReviewOutcome> {
    writeln!(output, "\n{}", review_text(review, width).trim_end())?;
    loop {
        write!(
            output,
            "\nWrite {} files into {}? [Y/n]\n(<: back to the last question · c: change an answer · q: quit) ",
            review.plan.files.len(),
            review.target
        )?;
        output.flush()?;
        let Some(line) = read_line(input)? else {
            writeln!(output)?;
            return Ok(ReviewOutcome::Quit);
        };
        match line.to_ascii_lowercase().as_str() {
            "" | "y" | "yes" => return Ok(ReviewOutcome::Accept),
            "n" | "no" | "q" | "quit" => return Ok(ReviewOutcome::Quit),
            "<" | "b" | "back" if review.answered.is_empty() => {
                writeln!(
                    output,
                    "Nothing to go back to: every answer came from the answers file."
                )?;
            }
            "<" | "b" | "back" => return Ok(ReviewOutcome::Back),
            "c" if review.answered.is_empty() => {
                writeln!(
                    output,
                    "Nothing to change: every answer came from the answers file."
                )?;
            }
            "c" => {
                writeln!(output, "Which answer do you want to change?")?;
                for (index, answered) in review.answered.iter().enumerate() {
                    writeln!(
                        output,
                        "  {}. {:<12}{}",
                        index + 1,
                        answered.header,
                        answered.answer
                    )?;
                }
                write!(output, "Number (enter: cancel): ")?;
                output.flush()?;
                let Some(choice) = read_line(input)? else {
                    writeln!(output)?;
                    return Ok(ReviewOutcome::Quit);
                };
                if choice.is_empty() {
                    continue;
                }
                match choice
                    .parse::<usize>()
                    .ok()
                    .and_then(|number| review.answered.get(number.wrapping_sub(1)))
                {
                    Some(answered) => return Ok(ReviewOutcome::Change(answered.id)),
                    None => writeln!(
                        output,
                        "`{choice}` is not a number from 1 to {}",
                        review.answered.len()
                    )?,
                }
            }
            other => writeln!(output, "`{other}`: answer y, n, <, c or q")?,
        }
    }
}

fn read_line(input: &mut impl BufRead) -> anyhow::Result<Option<String>> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_string()))
}
