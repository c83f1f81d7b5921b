/* Write a SAS .sas7bdat file from a tab-separated text file, with ReadStat's own writer.
 *
 * Input: line 1 the variable names, line 2 their types (s: character, n: numeric), then one line
 * per observation. A numeric cell that is empty is SAS's system missing value (.), ".A" ... ".Z"
 * or "._" a special missing value; a character cell is written as is.
 * Build, with ReadStat's C sources (MIT licence; shipped in pyreadstat's source distribution,
 * `pip download --no-deps --no-binary :all: pyreadstat==1.3.8`, folder src/):
 *   S=pyreadstat-1.3.8/src; cc -O1 -w -I$S -o make_sas7bdat make_sas7bdat.c $S/\*.c $S/sas/\*.c -lm
 * Usage: make_sas7bdat barometre.tsv barometre.sas7bdat
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readstat.h"

#define MAXV 64
#define MAXL 4096

static ssize_t write_bytes(const void *data, size_t len, void *ctx) {
    return fwrite(data, 1, len, (FILE *)ctx);
}

static int split(char *line, char **cells) {
    int n = 0;
    line[strcspn(line, "\r\n")] = 0;
    cells[n++] = line;
    for (char *p = line; *p; p++) if (*p == '\t') { *p = 0; cells[n++] = p + 1; }
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s input.tsv output.sas7bdat\n", argv[0]); return 2; }
    FILE *in = fopen(argv[1], "r");
    if (!in) { perror(argv[1]); return 1; }
    static char lines[1024][MAXL];
    int n = 0;
    while (n < 1024 && fgets(lines[n], MAXL, in)) if (lines[n][0] != '\n') n++;
    fclose(in);
    char *names[MAXV], *types[MAXV], *cells[MAXV];
    int nv = split(lines[0], names);
    if (split(lines[1], types) != nv) { fprintf(stderr, "types line\n"); return 1; }
    size_t width[MAXV] = {0};
    for (int r = 2; r < n; r++) {
        char copy[MAXL]; strcpy(copy, lines[r]);
        if (split(copy, cells) != nv) { fprintf(stderr, "line %d: wrong number of cells\n", r + 1); return 1; }
        for (int j = 0; j < nv; j++) if (strlen(cells[j]) > width[j]) width[j] = strlen(cells[j]);
    }
    FILE *out = fopen(argv[2], "wb");
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, &write_bytes);
    readstat_writer_set_file_label(w, "IMPACT-Regions test survey");
    readstat_variable_t *vars[MAXV];
    for (int j = 0; j < nv; j++) {
        int s = types[j][0] == 's';
        vars[j] = readstat_add_variable(w, names[j], s ? READSTAT_TYPE_STRING : READSTAT_TYPE_DOUBLE,
                                        s ? (width[j] ? width[j] : 1) : 8);
    }
    readstat_error_t err = readstat_begin_writing_sas7bdat(w, out, n - 2);
    for (int r = 2; r < n && err == READSTAT_OK; r++) {
        split(lines[r], cells);
        readstat_begin_row(w);
        for (int j = 0; j < nv && err == READSTAT_OK; j++) {
            if (types[j][0] == 's') err = readstat_insert_string_value(w, vars[j], cells[j]);
            else if (!cells[j][0]) err = readstat_insert_missing_value(w, vars[j]);
            else if (cells[j][0] == '.' && cells[j][1]) err = readstat_insert_tagged_missing_value(w, vars[j], cells[j][1]);
            else err = readstat_insert_double_value(w, vars[j], strtod(cells[j], NULL));
        }
        if (err == READSTAT_OK) err = readstat_end_row(w);
    }
    if (err == READSTAT_OK) err = readstat_end_writing(w);
    readstat_writer_free(w);
    fclose(out);
    if (err != READSTAT_OK) { fprintf(stderr, "ReadStat: %s\n", readstat_error_message(err)); return 1; }
    return 0;
}
