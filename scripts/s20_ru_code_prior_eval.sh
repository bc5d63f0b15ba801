source /work/venv/bin/activate
for d in d05 d07; do
  platekit eval reader runs/s16/ru_issue_val_$d --crops --region ru --out runs/s20/ev_ru_off_$d > runs/s20/ev_ru_off_$d.log 2>&1
  for L in 2 4 6; do
    platekit eval reader runs/s16/ru_issue_val_$d --crops --region ru --recognizer runs/s20/ru_tp$L/rec_ru.onnx --out runs/s20/ev_ru_tp${L}_$d > runs/s20/ev_ru_tp${L}_$d.log 2>&1
  done
done
echo finished
