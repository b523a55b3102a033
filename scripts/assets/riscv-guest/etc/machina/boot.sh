# machina.script=boot: nothing to do; /init prints its marker and powers off.
echo "machina-guest: boot ok"
