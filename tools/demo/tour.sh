# Shared by tools/demo/demo.sh and test/t/004_demo_tour.pl (sourced; no side
# effects): the env file of make demo's server, and commands shown as they
# can be typed.

# demo_write_env FILE HOST PORT USER DATABASE: the connection settings as
# export lines, so that ". build/demo/env" points psql and hdaq at the
# server.  Values are quoted for the shell (a socket directory with spaces).
demo_write_env() {
	local file=$1
	{
		echo "# make demo's server: . build/demo/env, then psql and hdaq reach it"
		printf 'export PGHOST=%q\n' "$2"
		printf 'export PGPORT=%q\n' "$3"
		printf 'export PGUSER=%q\n' "$4"
		printf 'export PGDATABASE=%q\n' "$5"
	} >"$file.tmp" && mv "$file.tmp" "$file"
}

# demo_command_line TOP HDAQ COMMAND...: the command as it can be typed
# from the repository root TOP after ". build/demo/env": the binary HDAQ
# (the one make install put on the PATH) as "hdaq", paths under TOP
# relative to it, and arguments quoted for the shell where they need it.
demo_command_line() {
	local top=$1 hdaq=$2 a line='$'
	shift 2
	for a in "$@"; do
		if [ "$a" = "$hdaq" ]; then
			a=hdaq
		fi
		a=${a#"$top/"}
		case $a in
		'' | *[[:space:]\'\"\$\\\`\;\&\|\<\>\(\)\*\?\[\]\#\~]*) line+=" $(printf '%q' "$a")" ;;
		*) line+=" $a" ;;
		esac
	done
	printf '%s\n' "$line"
}
