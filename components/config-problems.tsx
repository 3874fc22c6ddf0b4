/** Tells whoever runs the site why the server cannot answer, as the server reported it. */
export function ConfigProblems({ problems }: { problems: string[] }) {
  return (
    <div className="config-problems" role="alert">
      <strong>The server is not configured correctly, so replies will fail.</strong>
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}
