/** A method module that fails while it is imported: `--methods` refuses it. */
throw new Error("no runuser on this machine");
