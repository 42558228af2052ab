#!/usr/bin/env bash
# Folders through the real daemon with curl: the folders page, create at the
# top and inside another, names refused on the same page where they were
# typed, rename with sub-folders, delete only after its own page asks (the
# messages go to Trash), a parent with sub-folders refused, Empty Trash
# after a page that says it is for good, and every change only with the
# form's CSRF token.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
box=$WORK/mail/example.org/ann
jar=$WORK/ja
logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null

page() { curl -s -b "$jar" "$base$1"; }
csrf=$(csrf_of <(page /mail/folders))
# post FIELDS...: the answer's status and where it sends the browser.
post() {
	local args=()
	for f in "$@"; do args+=(--data-urlencode "$f"); done
	curl -s -b "$jar" -o "$WORK/answer.html" -w '%{http_code} %{redirect_url}' \
		--data-urlencode "csrf=$csrf" "${args[@]}" "$base/mail/folder"
}
deliver() { # deliver FOLDER-DIR SUBJECT WORD
	local name
	name=$(date +%s).$RANDOM$RANDOM.mx
	printf 'From: Bob <bob@example.org>\r\nTo: ann@example.org\r\nSubject: %s\r\n\r\nThe word is %s.\r\n' \
		"$2" "$3" > "$box/$1/tmp/$name"
	mv "$box/$1/tmp/$name" "$box/$1/new/$name"
}

folders=$(page /mail/folders)
expect_match "the folders page lists the special folders with counts" \
	'>Trash</a>.*0 messages' "$(tr -d '\n' <<<"$folders")"
expect_match "the mail list links to it" 'href="/mail/folders"' "$(page /mail)"

# Create: trimmed; inside a parent when one is chosen.
expect_eq "a name with spaces around it is created" "303 $base/mail/folders?n=created" \
	"$(post op=create 'name=  Work  ' parent=)"
check "as the folder Work" test -d "$box/.Work/cur"
expect_eq "a folder inside Work" "303 $base/mail/folders?n=created" \
	"$(post op=create name=Projects parent=Work)"
check "is Work.Projects on disk" test -f "$box/.Work.Projects/maildirfolder"
folders=$(page '/mail/folders?n=created' | tr -d '\n')
expect_match "and shows under Work" '>Work</a>.*<ul>.*>Projects</a>.*</ul>' "$folders"
expect_match "with a notice" 'Folder created\.' "$folders"

# Refused names come back on the page, under the field, with what was typed.
for name in '   ' 'a/b' '.hidden' '..' 'x.y' $'tab\tin' 'Trash' 'inbox'; do
	answer=$(post op=create "name=$name" parent=)
	body=$(tr -d '\n' < "$WORK/answer.html")
	expect_eq "'$name' is refused" "400 " "$answer"
	expect_match "'$name': the reason is under the name field" \
		'id="folder-name".*<p class="error" id="folder-name-error" role="alert">[^<]*(name|folder)' "$body"
	expect_match "'$name': the folder list stays" '>Drafts</a>.*class="folder-tree"' "$body"
done
expect_match "spaces alone are no name, and it says what is allowed" \
	'spaces alone are not one \(folder names are letters, digits' "$(post op=create 'name=   ' >/dev/null; cat "$WORK/answer.html")"
post op=create name=Work parent= >/dev/null
expect_match "a name taken is said" "a folder named &#39;Work&#39; already exists|a folder named 'Work' already exists" \
	"$(cat "$WORK/answer.html")"
expect_match "and the name typed is kept" 'id="folder-name" name="name" type="text" maxlength="199" value="Work"' \
	"$(cat "$WORK/answer.html")"

# Delete asks first, on a page of its own, and refuses a parent.
ask=$(page '/mail/folders/delete?f=Work')
expect_match "a parent with sub-folders is refused, saying why" 'holds other folders \(Projects\)' "$ask"
expect_no_match "with no form to delete it" 'value="delete"' "$ask"
post op=delete name=Work >/dev/null
expect_match "a delete posted anyway is refused too" "holds 1 folder" "$(cat "$WORK/answer.html")"
check "and Work stays" test -d "$box/.Work/cur"
expect_match "an empty sub-folder's page says so" 'Delete folder Work › Projects\? It holds no messages\.' \
	"$(page '/mail/folders/delete?f=Work.Projects')"
expect_eq "it goes" "303 $base/mail/folders?n=removed" "$(post op=delete name=Work.Projects)"
deliver .Work 'Quarterly report' zebra
deliver .Work 'Minutes' zebra
ask=$(page '/mail/folders/delete?f=Work')
expect_match "the page asks, with the count" 'Delete folder Work\? Its 2 messages go to Trash\.' "$ask"
expect_match "a form that deletes" '<form method="post" action="/mail/folder">.*' "$(tr -d '\n' <<<"$ask")"
expect_match "and a Cancel link back" '<a class="cancel" href="/mail/folders">Cancel</a>' "$ask"
check "asking changed nothing" test -d "$box/.Work/cur"
expect_eq "without the form's token nothing happens" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" --data 'op=delete&name=Work' "$base/mail/folder")"
check "and Work stays" test -d "$box/.Work/cur"
expect_eq "confirmed, it goes" "303 $base/mail/folders?n=removed" "$(post op=delete name=Work)"
check "Work is gone" test ! -e "$box/.Work"
expect_eq "its messages are in Trash" 2 "$(ls "$box/.Trash/new" "$box/.Trash/cur" | grep -c '\.mx')"
expect_match "the Trash list shows them" 'Quarterly report' "$(page '/mail?f=Trash')"
expect_match "and a search finds them there" 'Quarterly report' "$(page '/mail?f=Trash&q=zebra')"
for special in INBOX Sent Drafts Trash; do
	expect_match "$special cannot be deleted" 'every mailbox has: it cannot be deleted' \
		"$(page "/mail/folders/delete?f=$special")"
done

# Rename: trimmed, within its parent, sub-folders along, search follows.
post op=create name=Old parent= >/dev/null
post op=create name=Inner parent=Old >/dev/null
deliver .Old.Inner 'Inner memo' quokka
expect_match "the message is found in its folder" 'Inner memo' "$(page '/mail?f=Old.Inner&q=quokka')"
expect_eq "rename" "303 $base/mail/folders?n=renamed" "$(post op=rename name=Old 'to= Archive ')"
check "Old is Archive" test -d "$box/.Archive/cur"
check "its sub-folder came along" test -d "$box/.Archive.Inner/cur"
check "nothing is left under the old name" test ! -e "$box/.Old.Inner"
expect_match "the message is in the renamed folder" 'Inner memo' "$(page '/mail?f=Archive.Inner')"
expect_match "and a search finds it there" 'Inner memo' "$(page '/mail?f=Archive.Inner&q=quokka')"
expect_eq "a sub-folder is renamed where it is" "303 $base/mail/folders?n=renamed" \
	"$(post op=rename name=Archive.Inner to=Kept)"
check "as Archive.Kept" test -d "$box/.Archive.Kept/cur"
expect_eq "a rename to a bad name is refused" "400 " "$(post op=rename name=Archive to=a/b)"
expect_match "in the folder's own row, with what was typed" \
	'value="a/b" aria-label="New name for Archive" aria-invalid="true" autofocus>.*<p class="error" role="alert">a folder name cannot contain' \
	"$(tr -d '\n' < "$WORK/answer.html")"
expect_eq "Trash cannot be renamed" "400 " "$(post op=rename name=Trash to=Bin)"
expect_match "and says so" 'the folder Trash cannot be renamed' "$(cat "$WORK/answer.html")"

# Empty Trash: asked first, for good.
ask=$(page /mail/folders/empty)
expect_match "Empty Trash asks, saying it is for good" \
	'Empty Trash\? Its 2 messages are deleted for good: they cannot be brought back\.' "$ask"
expect_match "with a Cancel link back to Trash" '<a class="cancel" href="/mail\?f=Trash">Cancel</a>' "$ask"
expect_match "the Trash list links to it" 'href="/mail/folders/empty"' "$(page '/mail?f=Trash')"
expect_eq "confirmed, Trash is emptied" "303 $base/mail?f=Trash&n=emptied" \
	"$(post op=empty name=Trash)"
expect_eq "no message is left in Trash" 0 "$(ls "$box/.Trash/new" "$box/.Trash/cur" | grep -c '\.mx')"
expect_match "the list says so" 'Trash emptied\.' "$(page '/mail?f=Trash&n=emptied')"
expect_eq "another folder cannot be emptied" "400 " "$(post op=empty name=Archive)"
finish
